"""``training_artifact.json``: one self-checking file holding a whole task folder.

Parts: ``metadata`` (psignal.yaml), ``state`` (state.json), ``files`` (README and the world's files, text
or base64), ``trace`` (every event), ``exports`` (the SFT and RL rows), and ``checksums`` — the sha256 of
the canonical JSON of each part. ``unpack`` verifies every checksum before writing anything and
rebuilds a runnable task folder (it is opened once to prove the world restores).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from psignal.errors import ExportError, PworldsError, TaskDirError
from psignal.export.episodes import episodes_from_events
from psignal.export.rl import to_rl
from psignal.export.sft import to_sft
from psignal.taskdir import META_FILE, README_FILE, STATE_FILE, TRACE_FILE, TaskDir, atomic_write, load_status
from psignal.trace import encode_event, now, read_trace
from psignal.world import canonical_json

ARTIFACT_FORMAT = "pworlds.training_artifact/1"
PARTS = ("metadata", "state", "files", "trace", "exports")
_RESERVED = {META_FILE, STATE_FILE, TRACE_FILE, ".psignal.lock"}


def _sha(part: Any) -> str:
    return hashlib.sha256(canonical_json(part).encode()).hexdigest()


def _file_entry(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    try:
        entry = {"encoding": "utf-8", "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        entry = {"encoding": "base64", "content": base64.b64encode(data).decode()}
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    return entry


def build_artifact(path: Path | str) -> dict[str, Any]:
    root = Path(path)
    with TaskDir.open(root) as td:  # takes the lock and proves the folder restores
        files = [root / README_FILE, *td.world.artifact_files(root)]
        meta = yaml.safe_load((root / META_FILE).read_text(encoding="utf-8"))
    status = load_status(root)
    events = read_trace(root / TRACE_FILE).events
    episodes = [e for e in episodes_from_events(events, str(root)) if e.steps]
    parts: dict[str, Any] = {
        "metadata": {**meta, "packaged": now()},
        "state": status,
        "files": {p.relative_to(root).as_posix(): _file_entry(p) for p in sorted(set(files)) if p.is_file()},
        "trace": events,
        "exports": {"sft": [to_sft(e) for e in episodes], "rl": [to_rl(e) for e in episodes]},
    }
    return {"format": ARTIFACT_FORMAT, **parts, "checksums": {k: _sha(parts[k]) for k in PARTS}}


def package(path: Path | str, out: Path | str) -> dict[str, Any]:
    artifact = build_artifact(path)
    out = Path(out)
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent}: output folder does not exist")
    atomic_write(out, json.dumps(artifact, ensure_ascii=False, indent=1).encode())
    return artifact


def load_artifact(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        artifact = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ExportError(f"{path}: no such artifact") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: not a JSON training artifact ({exc})") from exc
    if not isinstance(artifact, dict) or artifact.get("format") != ARTIFACT_FORMAT:
        raise ExportError(f"{path}: not a pworlds training artifact (format {ARTIFACT_FORMAT!r} expected)")
    missing = [k for k in (*PARTS, "checksums") if k not in artifact]
    if missing:
        raise ExportError(f"{path}: artifact is missing parts {missing}")
    for part in PARTS:
        if _sha(artifact[part]) != artifact["checksums"].get(part):
            raise ExportError(
                f"{path}: checksum mismatch in part {part!r}; the artifact was modified or damaged"
            )
    for name, entry in artifact["files"].items():
        data = _decode(entry, name, path)
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise ExportError(f"{path}: checksum mismatch in file {name!r}")
    return artifact


def _decode(entry: dict[str, str], name: str, source: Path) -> bytes:
    if entry.get("encoding") == "utf-8":
        return entry["content"].encode("utf-8")
    if entry.get("encoding") == "base64":
        return base64.b64decode(entry["content"])
    raise ExportError(f"{source}: file {name!r} has unknown encoding {entry.get('encoding')!r}")


def unpack(artifact_path: Path | str, dest: Path | str) -> Path:
    """Rebuild a task folder from an artifact; nothing is left behind if any check fails."""
    artifact = load_artifact(artifact_path)
    root = Path(dest)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise TaskDirError(f"{root}: already exists and is not empty; choose a new folder")
    root.mkdir(parents=True, exist_ok=True)
    try:
        for name, entry in artifact["files"].items():
            target = (root / name).resolve()
            if root.resolve() not in target.parents or name in _RESERVED:
                raise ExportError(f"{artifact_path}: refusing to write file {name!r} outside the task folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_decode(entry, name, Path(artifact_path)))
        meta = {k: v for k, v in artifact["metadata"].items() if k != "packaged"}
        (root / META_FILE).write_text(
            yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        trace = b"".join(encode_event(e) for e in artifact["trace"])
        (root / TRACE_FILE).write_bytes(trace)
        state = {**artifact["state"], "trace_bytes": len(trace)}
        (root / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        TaskDir.open(root).close()
    except (PworldsError, OSError, KeyError, TypeError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        if isinstance(exc, PworldsError):
            raise
        raise ExportError(f"{artifact_path}: cannot unpack: {exc!r}") from exc
    return root
