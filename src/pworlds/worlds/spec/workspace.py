"""The workspace on disk: which files are source, which are protected tests, snapshots, hashes and diffs.

A workspace is a directory of source files plus ``tests/``. The agent may change *source* files; the
tests directory and every ``conftest.py`` are *protected*: they always come from the hidden template
(``.pspec/template/workspace``), are restored before each evaluation and are never taken from the
workspace into a test run. A snapshot is ``{relative path: text}`` of the source files only; binary
files are kept as ``BINARY_PREFIX + base64``.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from psignal.errors import PworldsError

Snapshot = dict[str, str]

BINARY_PREFIX = "\x00base64:"
IGNORED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".git", ".mypy_cache", ".ruff_cache"})
MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 200
DIFF_CAP_CHARS = 64 * 1024


class WorkspaceError(PworldsError):
    """The workspace cannot be read or a path is not one the agent may touch."""


def is_protected(rel: str) -> bool:
    """Tests and conftest files belong to the task, not to the agent."""
    parts = PurePosixPath(rel).parts
    return bool(parts) and (parts[0] == "tests" or parts[-1] == "conftest.py")


def _ignored(rel: PurePosixPath) -> bool:
    return any(part in IGNORED_PARTS for part in rel.parts) or rel.suffix in {".pyc", ".pyo"}


def _encode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return BINARY_PREFIX + base64.b64encode(data).decode("ascii")


def decode_content(text: str) -> bytes:
    if text.startswith(BINARY_PREFIX):
        return base64.b64decode(text[len(BINARY_PREFIX) :])
    return text.encode("utf-8")


def read_files(root: Path, *, protected: bool) -> Snapshot:
    """Regular files under ``root`` (symlinks skipped): the protected ones or the source ones."""
    files: Snapshot = {}
    if not root.is_dir():
        return files
    for path in sorted(root.rglob("*")):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if _ignored(rel) or path.is_symlink() or not path.is_file():
            continue
        if is_protected(str(rel)) != protected:
            continue
        if len(files) >= MAX_FILES:
            raise WorkspaceError(f"{root}: more than {MAX_FILES} files; remove generated files and retry")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise WorkspaceError(f"{path}: {size} bytes is over the {MAX_FILE_BYTES}-byte limit per file")
        files[str(rel)] = _encode(path.read_bytes())
    return files


def read_source(workspace: Path) -> Snapshot:
    return read_files(workspace, protected=False)


def write_files(root: Path, files: Mapping[str, str], *, protected: bool) -> None:
    """Make the source (or protected) files under ``root`` exactly ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel in read_files(root, protected=protected):
        if rel not in files:
            (root / rel).unlink()
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = decode_content(text)
        if not target.is_file() or target.is_symlink() or target.read_bytes() != data:
            if target.is_symlink():
                target.unlink()
            target.write_bytes(data)


def write_source(workspace: Path, files: Mapping[str, str]) -> None:
    write_files(workspace, files, protected=False)


def restore_protected(workspace: Path, template_workspace: Path) -> list[str]:
    """Put tests/ and conftest files back as the template has them; return what had to change."""
    wanted = read_files(template_workspace, protected=True)
    tests_dir = workspace / "tests"
    if tests_dir.is_symlink() or tests_dir.is_file():
        tests_dir.unlink()  # never write the template's tests through a planted link
    have = read_files(workspace, protected=True) if workspace.is_dir() else {}
    changed = sorted(rel for rel in set(wanted) | set(have) if wanted.get(rel) != have.get(rel))
    # Symlinks and directories planted where a protected file belongs are removed too.
    for rel in wanted:
        target = workspace / rel
        if target.is_symlink() or target.is_dir():
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
            changed.append(rel)
    if changed:
        write_files(workspace, wanted, protected=True)
    return sorted(set(changed))


def tree_hash(files: Mapping[str, str]) -> str:
    """sha256 of the canonical JSON of a snapshot: equal trees, equal hashes."""
    blob = json.dumps(dict(files), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[Snapshot, list[str]]:
    """Files added or modified in ``after`` and the paths removed from ``before``."""
    changed = {rel: text for rel, text in after.items() if before.get(rel) != text}
    removed = sorted(rel for rel in before if rel not in after)
    return changed, removed


def apply_changes(base: Mapping[str, str], changed: Mapping[str, str], removed: list[str]) -> Snapshot:
    result = {rel: text for rel, text in base.items() if rel not in set(removed)}
    result.update(changed)
    return dict(sorted(result.items()))


def unified_diff(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """A git-style unified diff between two snapshots, capped at ``DIFF_CAP_CHARS``."""
    chunks: list[str] = []
    for rel in sorted(set(before) | set(after)):
        old, new = before.get(rel), after.get(rel)
        if old == new:
            continue
        old_lines = [] if old is None else _lines(old)
        new_lines = [] if new is None else _lines(new)
        chunks.extend(
            difflib.unified_diff(
                old_lines,
                new_lines,
                fromfile="/dev/null" if old is None else f"a/{rel}",
                tofile="/dev/null" if new is None else f"b/{rel}",
            )
        )
    text = "".join(line if line.endswith("\n") else line + "\n" for line in chunks)
    if len(text) > DIFF_CAP_CHARS:
        text = text[:DIFF_CAP_CHARS] + f"\n[diff cut at {DIFF_CAP_CHARS} characters]\n"
    return text


def _lines(text: str) -> list[str]:
    if text.startswith(BINARY_PREFIX):
        return [f"<binary file, sha256 {hashlib.sha256(decode_content(text)).hexdigest()}>\n"]
    return text.splitlines(keepends=True)


def resolve_agent_path(workspace: Path, rel: str, *, for_write: bool) -> Path:
    """Map a path the agent typed to a file inside the workspace, or raise ``WorkspaceError``.

    Absolute paths, ``..`` and symlinks that leave the workspace are refused; so are writes to tests and
    conftest files (they are read-only to the agent and restored before every evaluation anyway).
    """
    pure = PurePosixPath(rel.replace("\\", "/"))
    if not rel.strip() or pure.is_absolute() or ".." in pure.parts:
        raise WorkspaceError(f"path {rel!r} must be relative to the workspace and stay inside it")
    if _ignored(pure):
        raise WorkspaceError(f"path {rel!r} is a cache path; edit source files only")
    clean = str(pure)
    if for_write and is_protected(clean):
        raise WorkspaceError(f"{clean} is a test file: tests are read-only, fix the source instead")
    target = workspace / clean
    root = workspace.resolve()
    resolved = target.resolve()
    if resolved != root and root not in resolved.parents:
        raise WorkspaceError(f"path {rel!r} leaves the workspace (through a symlink?)")
    return target
