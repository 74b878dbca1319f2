"""Repair tasks: the on-disk template format and the built-in library.

A task template is a directory::

    task.yaml      name, description, bug_kind, fail_to_pass, pass_to_pass, tags, provenance
    workspace/     the buggy source files and tests/ exactly as the agent first sees them
    fix/           the reference fix: source files (relative to the workspace) that make every test pass

``fail_to_pass`` are test ids that fail on the buggy source and pass with the fix; ``pass_to_pass``
pass on both (SWE-bench's FAIL_TO_PASS / PASS_TO_PASS). A test id is ``<module>::<name>`` as pytest's
JUnit XML reports it, e.g. ``tests.test_fizzbuzz::test_fizz``. Built-in templates live in the package
under ``data/tasks/<name>``; a task folder keeps its own copy under ``.pspec/template``.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from psignal.errors import StateError, TaskDirError, UsageError, choices_hint
from pworlds.worlds.spec.workspace import decode_content, read_files

BUILTIN_DIR = Path(__file__).parent / "data" / "tasks"
DEFAULT_TASK = "fizzbuzz"
TEMPLATE_PARTS = ("task.yaml", "workspace", "fix")


class TaskSpec(BaseModel):
    """The contents of ``task.yaml``; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str
    bug_kind: str = ""
    fail_to_pass: list[str]
    pass_to_pass: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    provenance: dict[str, Any] = Field(default_factory=dict)

    @property
    def expected(self) -> list[str]:
        """Every graded test id, in a stable order."""
        return [*self.fail_to_pass, *self.pass_to_pass]

    @property
    def initial_fraction(self) -> float:
        """Share of graded tests that pass on the untouched buggy source (by definition: pass_to_pass)."""
        total = len(self.expected)
        return len(self.pass_to_pass) / total if total else 0.0

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(), sort_keys=False, allow_unicode=True)


def parse_task_yaml(text: str, where: str) -> TaskSpec:
    """Validate the text of a ``task.yaml``; ``where`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaskDirError(f"{where}: not valid YAML ({exc}); fix or recreate the task") from exc
    try:
        spec = TaskSpec.model_validate(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise TaskDirError(f"{where}: {problems}") from exc
    if not spec.fail_to_pass:
        raise TaskDirError(f"{where}: fail_to_pass is empty; a repair task needs at least one failing test")
    return spec


def load_task(template: Path) -> TaskSpec:
    """Read ``template/task.yaml`` and check the template's shape; errors name the file."""
    path = template / "task.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaskDirError(
            f"{path}: missing; a pspec task template needs task.yaml, workspace/ and fix/"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskDirError(f"{path}: cannot read it ({exc}); fix or recreate the task") from exc
    spec = parse_task_yaml(text, str(path))
    if not (template / "workspace").is_dir():
        raise TaskDirError(f"{template}/workspace: missing; the template has no workspace")
    return spec


def template_to_files(template: Path) -> dict[str, str]:
    """A template directory as ``{relative path: text}`` (the inline form stored in the config)."""
    load_task(template)
    files = {"task.yaml": (template / "task.yaml").read_text(encoding="utf-8")}
    for part in ("workspace", "fix"):
        for protected in (False, True):
            for rel, text in read_files(template / part, protected=protected).items():
                files[f"{part}/{rel}"] = text
    return dict(sorted(files.items()))


def files_to_template(files: dict[str, str], dest: Path) -> None:
    """Write an inline template to ``dest`` (replacing what differs); paths must stay inside it."""
    parse_task_yaml(files.get("task.yaml", ""), "config.template_files['task.yaml']")
    for rel in files:
        pure = PurePosixPath(rel)
        if (
            pure.is_absolute()
            or ".." in pure.parts
            or not (rel == "task.yaml" or pure.parts[0] in ("workspace", "fix"))
        ):
            raise UsageError(
                f"config.template_files: bad path {rel!r}; use task.yaml, workspace/... or fix/..."
            )
    try:
        current = template_to_files(dest) if (dest / "task.yaml").is_file() else None
    except TaskDirError:
        current = None
    if current == dict(sorted(files.items())):
        return
    if dest.exists():
        shutil.rmtree(dest)
    for rel, text in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(decode_content(text))
    (dest / "workspace").mkdir(exist_ok=True)
    (dest / "fix").mkdir(exist_ok=True)


@functools.cache
def builtin_tasks() -> dict[str, TaskSpec]:
    """Built-in task specs by name, ``fizzbuzz`` first, the rest sorted."""
    names = sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / "task.yaml").is_file())
    if DEFAULT_TASK in names:
        names.remove(DEFAULT_TASK)
        names.insert(0, DEFAULT_TASK)
    return {name: load_task(BUILTIN_DIR / name) for name in names}


def builtin_template(name: str) -> Path:
    if name not in builtin_tasks():
        raise UsageError(f"spec has no built-in task {name!r}; {choices_hint(name, builtin_tasks())}")
    return BUILTIN_DIR / name


def install_template(source: Path, dest: Path) -> None:
    """Copy a template to ``dest`` (a task folder's ``.pspec/template``) unless it is already there."""
    if source.resolve() == dest.resolve():
        return
    if dest.exists() and _same_template(source, dest):
        return
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for part in TEMPLATE_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.is_file():
            shutil.copy2(src, dest / part)


def _same_template(a: Path, b: Path) -> bool:
    for part in ("workspace", "fix"):
        if read_files(a / part, protected=False) != read_files(b / part, protected=False):
            return False
        if read_files(a / part, protected=True) != read_files(b / part, protected=True):
            return False
    try:
        return (a / "task.yaml").read_bytes() == (b / "task.yaml").read_bytes()
    except OSError:
        return False


def read_fix(template: Path) -> dict[str, str]:
    """The reference fix as ``{relative path: text}`` (source files only)."""
    if not (template / "fix").is_dir():
        raise StateError(f"{template}/fix: missing; this task has no reference fix")
    return read_files(template / "fix", protected=False)
