"""training_artifact.json: self-checking package; unpack restores a runnable folder or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psignal.errors import ExportError
from psignal.export.artifact import package, unpack
from psignal.replay import replay_dir
from psignal.taskdir import TaskDir


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    with TaskDir.create(tmp_path / "t", "counter") as td:
        for a in ["+1", "-1", "+1"]:
            td.step(a)
    package(tmp_path / "t", tmp_path / "training_artifact.json")
    return tmp_path / "training_artifact.json"


def test_artifact_has_every_part_and_checksums(artifact: Path) -> None:
    data = json.loads(artifact.read_text())
    assert {"metadata", "state", "files", "trace", "exports", "checksums"} <= set(data)
    assert data["metadata"]["world"] == "counter"
    assert len(data["trace"]) == 4 and len(data["exports"]["sft"]) == 1
    assert "README.md" in data["files"] and len(data["checksums"]["trace"]) == 64


def test_unpack_restores_a_runnable_folder(artifact: Path, tmp_path: Path) -> None:
    unpack(artifact, tmp_path / "restored")
    assert replay_dir(tmp_path / "restored").ok
    with TaskDir.open(tmp_path / "restored") as td:
        assert td.world.value == 1
        td.step("+1")
    assert replay_dir(tmp_path / "restored").steps == 4


def test_a_modified_artifact_is_refused_and_nothing_is_written(artifact: Path, tmp_path: Path) -> None:
    data = json.loads(artifact.read_text())
    data["trace"][1]["reward"] = 100
    artifact.write_text(json.dumps(data))
    with pytest.raises(ExportError, match="checksum mismatch in part 'trace'"):
        unpack(artifact, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


def test_a_file_escaping_the_folder_is_refused(artifact: Path, tmp_path: Path) -> None:
    from psignal.export.artifact import PARTS, _sha

    data = json.loads(artifact.read_text())
    data["files"]["../evil.txt"] = {
        "encoding": "utf-8",
        "content": "x",
        "sha256": __import__("hashlib").sha256(b"x").hexdigest(),
    }
    data["checksums"] = {k: _sha(data[k]) for k in PARTS}
    artifact.write_text(json.dumps(data))
    with pytest.raises(ExportError, match="outside the task folder"):
        unpack(artifact, tmp_path / "restored")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "restored").exists()


@pytest.mark.parametrize(
    "content", ["not json", '{"format": "other"}', '{"format": "pworlds.training_artifact/1"}']
)
def test_not_an_artifact_is_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "a.json").write_text(content)
    with pytest.raises(ExportError):
        unpack(tmp_path / "a.json", tmp_path / "restored")
