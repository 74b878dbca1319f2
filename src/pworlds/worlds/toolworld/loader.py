"""Load an env folder into a runnable ``Env``, collecting every problem with its file and line.

``inspect_env`` never raises for a malformed env: it returns what it could load plus the list of
problems (the validator adds semantic checks on top). ``load_env`` is the strict, cached entry point the
world uses: many worlds of one env share one image and one loaded tools module.
"""

from __future__ import annotations

import inspect
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from psignal.errors import UsageError, choices_hint
from psignal.world import ActionSpec
from pworlds.worlds.toolworld.envformat import ENV_FILES, EnvMeta, TasksFile, TaskSpec
from pworlds.worlds.toolworld.episode import EnvImage, image_from_connection, split_sql
from pworlds.worlds.toolworld.guard import (
    GuardError,
    Problem,
    load_module,
    tool_authorizer,
    trusted_authorizer,
)
from pworlds.worlds.toolworld.tools import (
    FINISH,
    FINISH_SPEC,
    ToolDef,
    ToolSignatureError,
    tool_from_function,
)


class EnvError(UsageError):
    """An env folder is missing or malformed; the message lists the problems (file:line)."""


Verifier = Callable[..., Any]


@dataclass
class Env:
    path: Path
    meta: EnvMeta
    tasks: dict[str, TaskSpec]
    tools: dict[str, ToolDef]
    verifiers: dict[str, Verifier]
    image: EnvImage
    trusted: bool = False
    """True for AWM imports: user-trusted code (FastAPI/SQLAlchemy), not under the AST guard."""
    task_lines: dict[str, int] = field(default_factory=dict)
    call_lines: dict[tuple[str, str, int], int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def authorizer(self) -> Callable[..., int]:
        return trusted_authorizer if self.trusted else tool_authorizer

    def action_specs(self) -> list[ActionSpec]:
        return [t.spec for t in self.tools.values()] + [FINISH_SPEC]


def resolve_env(ref: str | Path) -> Path:
    """A shipped env id or a path to an env folder."""
    from pworlds.worlds.toolworld.envs import shipped_env_dirs

    path = Path(ref).expanduser()
    if path.is_dir():
        return path.resolve()
    shipped = shipped_env_dirs()
    if str(ref) in shipped:
        return shipped[str(ref)]
    raise EnvError(
        f"no toolworld env {str(ref)!r}: not a folder and not a shipped env id; "
        f"{choices_hint(str(ref), shipped)}"
    )


# ----------------------------------------------------------------------------- YAML with line numbers
def _yaml_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node reachable by ``loc`` (pydantic error location)."""
    line = (node.start_mark.line + 1) if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _load_yaml(path: Path, model: type[BaseModel], problems: list[Problem]) -> tuple[Any, yaml.Node | None]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except OSError as exc:
        problems.append(Problem(name, 0, f"cannot read: {exc.strerror}"))
        return None, None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(
            Problem(name, (mark.line + 1) if mark else 1, f"invalid YAML: {getattr(exc, 'problem', exc)}")
        )
        return None, None
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(
                Problem(name, _yaml_line(node, loc), f"{'.'.join(map(str, loc)) or '(top)'}: {err['msg']}")
            )
        return None, node


# ----------------------------------------------------------------------------- the database image
def build_image(path: Path, problems: list[Problem]) -> EnvImage | None:
    """schema.sql then seed.sql in a fresh DB; every failing statement is a problem at its line."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA page_size = 1024")  # small pages: every episode holds a private copy of the image
    try:
        ok = True
        first_insert: dict[str, int] = {}
        for fname in ("schema.sql", "seed.sql"):
            try:
                text = (path / fname).read_text(encoding="utf-8")
            except OSError as exc:
                problems.append(Problem(fname, 0, f"cannot read: {exc.strerror}"))
                return None
            if fname == "seed.sql":
                conn.execute("BEGIN")
            for line, stmt in split_sql(text):
                try:
                    conn.execute(stmt)
                except sqlite3.Error as exc:
                    ok = False
                    problems.append(Problem(fname, line, f"{type(exc).__name__}: {exc}"))
                    continue
                if fname == "seed.sql":
                    words = stmt.split(None, 4)
                    if len(words) > 2 and words[0].upper() == "INSERT":
                        target = (
                            words[2] if words[1].upper() == "INTO" else words[3] if len(words) > 3 else ""
                        )
                        first_insert.setdefault(target.strip('"`[]').split("(")[0], line)
            if fname == "seed.sql":
                conn.execute("COMMIT")
            if fname == "schema.sql" and not ok:
                return None
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchall():
            ok = False
            problems.append(
                Problem(
                    "seed.sql",
                    first_insert.get(table, 0),
                    f"row {rowid} of {table} references a missing {parent} row",
                )
            )
        conn.execute("PRAGMA foreign_keys = ON")
        return image_from_connection(conn) if ok else None
    finally:
        conn.close()


# ----------------------------------------------------------------------------- python files
def _load_code(path: Path, fname: str, module_name: str, problems: list[Problem]) -> Any:
    try:
        source = (path / fname).read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(Problem(fname, 0, f"cannot read: {exc.strerror}"))
        return None
    try:
        return load_module(source, fname, module_name)
    except GuardError as exc:
        problems.extend(exc.problems)
    except Exception as exc:
        line = getattr(exc, "lineno", None) or _traceback_line(exc, fname)
        problems.append(Problem(fname, line, f"fails to load: {type(exc).__name__}: {exc}"))
    return None


def _traceback_line(exc: BaseException, fname: str) -> int:
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == fname:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _public_functions(module: Any) -> dict[str, Callable[..., Any]]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__
    }


def inspect_env(ref: str | Path) -> tuple[Env | None, list[Problem]]:
    """Load as much as possible; return the env (None if unusable) and every problem found."""
    path = resolve_env(ref)
    problems: list[Problem] = []
    meta: EnvMeta | None = None
    tasks_file: TasksFile | None = None
    if not (path / "env.yaml").is_file():
        return None, [
            Problem("env.yaml", 0, f"missing in {path}; an env folder needs {', '.join(ENV_FILES)}")
        ]
    meta, _ = _load_yaml(path / "env.yaml", EnvMeta, problems)
    awm = meta is not None and meta.provenance.generator == "awm-import"
    required = ENV_FILES if not awm else ("env.yaml", "schema.sql", "seed.sql", "tasks.yaml")
    for fname in required:
        if not (path / fname).is_file():
            problems.append(Problem(fname, 0, "file is missing"))
    if problems and meta is None:
        return None, problems
    if meta is not None and meta.id != path.name:
        problems.append(Problem("env.yaml", 1, f"id {meta.id!r} must equal the folder name {path.name!r}"))
    tasks_node = None
    if (path / "tasks.yaml").is_file():
        tasks_file, tasks_node = _load_yaml(path / "tasks.yaml", TasksFile, problems)
    image = build_image(path, problems) if (path / "schema.sql").is_file() else None

    tools: dict[str, ToolDef] = {}
    verifiers: dict[str, Verifier] = {}
    prefix = f"pworlds_env_{meta.id if meta else path.name}"
    if awm:
        from pworlds.worlds.toolworld.awm import load_awm_runtime

        try:
            tools, verifiers = load_awm_runtime(path, image)
        except Exception as exc:
            problems.append(Problem("awm_app.py", 0, f"cannot load the AWM app: {type(exc).__name__}: {exc}"))
    else:
        module = (
            _load_code(path, "tools.py", f"{prefix}_tools", problems)
            if (path / "tools.py").is_file()
            else None
        )
        if module is not None:
            for name, fn in _public_functions(module).items():
                if name == FINISH:
                    problems.append(Problem("tools.py", fn.__code__.co_firstlineno, "'finish' is reserved"))
                    continue
                try:
                    tools[name] = tool_from_function(fn, name)
                except ToolSignatureError as exc:
                    problems.append(Problem("tools.py", exc.line, str(exc)))
            if not tools and not problems:
                problems.append(Problem("tools.py", 1, "defines no tools (public functions)"))
        vmod = (
            _load_code(path, "verify.py", f"{prefix}_verify", problems)
            if (path / "verify.py").is_file()
            else None
        )
        if vmod is not None:
            verifiers = {n: f for n, f in _public_functions(vmod).items() if n.startswith("verify_")}

    task_lines: dict[str, int] = {}
    call_lines: dict[tuple[str, str, int], int] = {}
    tasks: dict[str, TaskSpec] = {}
    if tasks_file is not None:
        for i, task in enumerate(tasks_file.tasks):
            line = _yaml_line(tasks_node, ("tasks", i))
            if task.id in tasks:
                problems.append(Problem("tasks.yaml", line, f"duplicate task id {task.id!r}"))
            tasks[task.id] = task
            task_lines[task.id] = line
            for j in range(len(task.solution)):
                call_lines[(task.id, "solution", j)] = _yaml_line(tasks_node, ("tasks", i, "solution", j))
            if task.negative is not None:
                for j in range(len(task.negative.solution)):
                    call_lines[(task.id, "negative", j)] = _yaml_line(
                        tasks_node, ("tasks", i, "negative", "solution", j)
                    )
    if meta is None or image is None or tasks_file is None:
        return None, problems
    env = Env(path, meta, tasks, tools, verifiers, image, awm, task_lines, call_lines)
    return env, problems


_CACHE: dict[tuple[str, tuple[float, ...]], Env] = {}
_CACHE_LOCK = threading.Lock()


def _fingerprint(path: Path) -> tuple[float, ...]:
    return tuple(p.stat().st_mtime for p in sorted(path.iterdir()) if p.is_file())


def load_env(ref: str | Path) -> Env:
    """The loaded env, cached per folder and file mtimes; ``EnvError`` lists every problem."""
    path = resolve_env(ref)
    key = (str(path), _fingerprint(path))
    with _CACHE_LOCK:
        env = _CACHE.get(key)
        if env is not None:
            return env
        env, problems = inspect_env(path)
        if problems or env is None:
            shown = "; ".join(map(str, problems[:5])) + (
                f"; … {len(problems) - 5} more" if len(problems) > 5 else ""
            )
            raise EnvError(f"env {path} is invalid: {shown}. Run: pworlds env check {path}")
        _CACHE[key] = env
        return env
