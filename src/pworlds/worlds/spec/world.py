"""pspec: repair the code in a workspace until the task's tests pass.

The meaningful action is the edit (with any editor, or through the agent tools); the graded action is
``run_tests``, which evaluates the current workspace in isolation (``evaluate.py``) and records the step.

Rewards (the one place they are defined):

===============================================  =======================================================
event                                            reward
===============================================  =======================================================
``run_tests`` and every graded test passes       ``+1.0``; the episode is terminated
``run_tests``, not all pass                      ``-0.01 + 0.5 * (fraction passing - previous fraction)``
``run_tests`` on a source tree already graded    ``-0.05 + 0.5 * (fraction passing - previous fraction)``
``write_file`` / ``replace_in_file``             ``0.0`` (recorded with a diff, never graded)
``list_files`` / ``read_file``                   ``0.0``
invalid action (bad path, test file edit,        ``-0.1``, state unchanged
unknown name, ``old`` text not found once)
===============================================  =======================================================

The "previous fraction" starts at the share of ``pass_to_pass`` tests (they pass on the buggy source by
definition), so the shaping terms telescope and doing nothing earns nothing.

Files: the workspace lives in ``ROOT/workspace`` and the hidden template in ``ROOT/.pspec/template``,
where ROOT is the attached task folder or a private temp dir. In a task folder the files on disk are the
truth: ``restore`` keeps an existing workspace (a person may have edited it since the last step).
Tests and ``conftest.py`` are read-only to the agent: tool edits of them are invalid actions and any
change made with an editor is undone (and listed in ``info.restored_protected``) before grading.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from psignal.errors import ActionParseError, StateError, UsageError
from psignal.world import Action, ActionSpec, Observation, StepResult, TaskInfo, World, WorldConfig
from pworlds.worlds.spec.evaluate import Evaluation, Evaluator
from pworlds.worlds.spec.runner import Limits
from pworlds.worlds.spec.task import (
    TaskSpec,
    builtin_tasks,
    builtin_template,
    files_to_template,
    install_template,
    load_task,
    parse_task_yaml,
    read_fix,
    template_to_files,
)
from pworlds.worlds.spec.tools import ACTIONS, ALIASES, replacer
from pworlds.worlds.spec.workspace import (
    MAX_FILE_BYTES,
    Snapshot,
    WorkspaceError,
    apply_changes,
    changes,
    decode_content,
    read_files,
    read_source,
    resolve_agent_path,
    restore_protected,
    tree_hash,
    unified_diff,
    write_source,
)

REWARDS = {
    "solved": 1.0,
    "evaluation": -0.01,
    "unchanged": -0.05,
    "progress_scale": 0.5,
    "edit": 0.0,
    "read": 0.0,
    "invalid": -0.1,
}
OBSERVED_OUTPUT_CHARS = 4000
READ_CAP_CHARS = 64 * 1024
_TIMING = re.compile(r" in \d+(\.\d+)?s\b")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


class SpecConfig(WorldConfig):
    template: str | None = None
    """A task template directory (task.yaml, workspace/, fix/) instead of a built-in task. It is read once,
    at reset, and stored inline as ``template_files`` so the task folder and its trace are self-contained."""
    template_files: dict[str, str] | None = None
    """A custom task inline: ``{"task.yaml": ..., "workspace/x.py": ..., "fix/x.py": ...}``."""
    timeout_s: float = Field(default=10.0, gt=0, le=600)
    """Wall-clock limit of one test run; CPU time is limited to the same number of seconds (rounded up)."""
    warm: bool = True
    """Use the warm forked pytest worker (same isolation, much faster); cold runs otherwise."""
    memory_mb: int = Field(default=2048, ge=64)
    max_processes: int = Field(default=256, ge=1)
    file_size_mb: int = Field(default=16, ge=1)


class SpecWorld(World):
    name: ClassVar[str] = "spec"
    version: ClassVar[str] = "1"
    Config: ClassVar[type[WorldConfig]] = SpecConfig
    invalid_reward: ClassVar[float] = REWARDS["invalid"]

    def __init__(self, config: Mapping[str, Any] | WorldConfig | None = None) -> None:
        super().__init__(config)
        cfg: SpecConfig = self.config  # type: ignore[assignment]
        self._cfg = cfg
        self._private: Path | None = None
        self._evaluator: Evaluator | None = None
        self.spec: TaskSpec | None = None
        self.original: Snapshot = {}
        self.source: Snapshot = {}
        self.evaluated: Snapshot = {}
        self.results: dict[str, str] = {}
        self.fraction = 0.0
        self.evaluations = 0
        self.last_verdict: str | None = None
        self.last_message = ""
        self.last_output = ""

    # ------------------------------------------------------------------ tasks and files
    def tasks(self) -> Mapping[str, TaskInfo]:
        if self._cfg.template_files is not None:
            spec = parse_task_yaml(self._cfg.template_files.get("task.yaml", ""), "config.template_files")
            return {spec.name: TaskInfo(spec.name, spec.description, (spec.bug_kind, *spec.tags))}
        if self._cfg.template is not None:
            spec = load_task(self._template_source())
            return {spec.name: TaskInfo(spec.name, spec.description, (spec.bug_kind, *spec.tags))}
        return {
            name: TaskInfo(name, spec.description, (spec.bug_kind, *spec.tags))
            for name, spec in builtin_tasks().items()
        }

    def _template_source(self) -> Path:
        if self._cfg.template is None:
            return builtin_template(self.task or self.default_task)
        path = Path(self._cfg.template).expanduser()
        if not path.is_absolute():
            if self.workdir is None:
                raise UsageError(
                    f"spec: template {self._cfg.template!r} is relative but no task folder is attached"
                )
            path = self.workdir / path
        if not (path / "task.yaml").is_file():
            raise UsageError(
                f"spec: template {path} has no task.yaml; pass a folder made by 'pworlds spec create'"
            )
        return path

    @property
    def root(self) -> Path:
        if self.workdir is not None:
            return self.workdir
        if self._private is None:
            self._private = Path(tempfile.mkdtemp(prefix="pspec-"))
            weakref.finalize(self, shutil.rmtree, self._private, True)
        return self._private

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    @property
    def template(self) -> Path:
        return self.root / ".pspec" / "template"

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            cfg = self._cfg
            limits = Limits(
                timeout_s=cfg.timeout_s,
                cpu_s=int(cfg.timeout_s + 0.999),
                memory_mb=cfg.memory_mb,
                file_size_mb=cfg.file_size_mb,
                max_processes=cfg.max_processes,
            )
            self._evaluator = Evaluator(limits=limits, warm=cfg.warm)
        return self._evaluator

    def _install(self) -> None:
        cfg = self._cfg
        if cfg.template_files is None and cfg.template is not None:
            # Inline the template so psignal.yaml and the trace's start event carry the whole task.
            inline = template_to_files(self._template_source())
            self._cfg = cfg = cfg.model_copy(update={"template": None, "template_files": inline})
            self.config = cfg
        if cfg.template_files is not None:
            files_to_template(cfg.template_files, self.template)
        else:
            install_template(self._template_source(), self.template)
        self.spec = load_task(self.template)
        self.original = read_source(self.template / "workspace")

    def attach(self, root: Path) -> None:
        super().attach(Path(root))

    def artifact_files(self, root: Path) -> list[Path]:
        files: list[Path] = []
        for base in (root / "workspace", root / ".pspec" / "template"):
            if base.is_dir():
                files.extend(
                    p
                    for p in sorted(base.rglob("*"))
                    if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
                )
        return files

    def close(self) -> None:
        if self._evaluator is not None:
            self._evaluator.close()
            self._evaluator = None

    # ------------------------------------------------------------------ episode
    def instruction(self) -> str:
        spec = self.spec
        description = spec.description if spec else ""
        return (
            f"{description}\n\nThe code is in the workspace; the tests in tests/ are read-only. Edit the source "
            "files so that every test passes, then call run_tests (the only graded action)."
        ).strip()

    def _reset(self) -> Observation:
        self._install()
        if self.workspace.exists():
            shutil.rmtree(self.workspace)
        shutil.copytree(self.template / "workspace", self.workspace)
        self.source = dict(self.original)
        self.evaluated = dict(self.original)
        self.results = {}
        assert self.spec is not None
        self.fraction = self.spec.initial_fraction
        self.evaluations = 0
        self.last_verdict, self.last_message, self.last_output = None, "", ""
        return self.observe()

    def actions(self) -> list[ActionSpec]:
        return ACTIONS

    def observe(self) -> Observation:
        spec = self.spec
        files = sorted(self.source) + sorted(read_files(self.template / "workspace", protected=True))
        lines = [
            f"Task {self.task}: {spec.description if spec else ''}".strip(),
            "Files: " + ", ".join(files),
        ]
        if self.last_verdict is None:
            lines.append("Tests have not been run yet (run_tests grades the workspace).")
        else:
            lines.append(f"Last run_tests: {self.last_verdict} — {self.last_message}")
            failing = {tid: out for tid, out in self.results.items() if out != "passed"}
            for tid, outcome in list(failing.items())[:10]:
                lines.append(f"  {outcome}: {tid}")
            if self.last_output:
                lines.append("pytest output:\n" + self.last_output)
        return {
            "text": "\n".join(lines),
            "task": self.task,
            "files": files,
            "verdict": self.last_verdict,
            "passed": sum(1 for o in self.results.values() if o == "passed"),
            "total": len(self.spec.expected) if spec else 0,
        }

    def _step(self, action: Action) -> StepResult:
        name, args = action["name"], action["arguments"]
        try:
            if name == "run_tests":
                return self._run_tests()
            if name == "list_files":
                return self._reply(self.observe()["text"].split("\n")[1], "read", {"kind": "read"})
            if name == "read_file":
                return self._read(args["path"])
            if name == "write_file":
                return self._edit(args["path"], lambda _old: args["content"], create=True)
            if name == "replace_in_file":
                return self._edit(args["path"], replacer(args["old"], args["new"]), create=False)
        except WorkspaceError as exc:
            return self.invalid(str(exc))
        return self.invalid(f"unknown action {name!r}")

    def _reply(self, text: str, reward_key: str, info: dict[str, Any]) -> StepResult:
        observation = {**self.observe(), "text": text}
        return StepResult(observation, REWARDS[reward_key], False, False, True, info)

    def _read(self, rel: str) -> StepResult:
        path = resolve_agent_path(self.workspace, rel, for_write=False)
        if not path.is_file():
            return self.invalid(f"{rel}: no such file in the workspace; list_files shows what exists")
        text = path.read_bytes().decode("utf-8", errors="replace")
        if len(text) > READ_CAP_CHARS:
            text = text[:READ_CAP_CHARS] + f"\n[cut at {READ_CAP_CHARS} characters]"
        return self._reply(text, "read", {"kind": "read", "path": rel})

    def _edit(self, rel: str, change: Any, *, create: bool) -> StepResult:
        path = resolve_agent_path(self.workspace, rel, for_write=True)
        if path.is_dir():
            return self.invalid(f"{rel} is a directory")
        if not path.is_file() and not create:
            return self.invalid(f"{rel}: no such file in the workspace; use write_file to create it")
        old = path.read_bytes().decode("utf-8", errors="replace") if path.is_file() else ""
        try:
            new = change(old)
        except ValueError as exc:
            return self.invalid(f"{rel}: {exc}")
        if len(new.encode("utf-8")) > MAX_FILE_BYTES:
            return self.invalid(
                f"{rel}: {len(new.encode('utf-8'))} bytes is over the {MAX_FILE_BYTES}-byte limit"
            )
        before = read_source(self.workspace)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
        after = read_source(self.workspace)
        self.source = after
        info = {
            "kind": "edit",
            "path": rel,
            "diff": unified_diff(before, after),
            "source_sha256": tree_hash(after),
        }
        return self._reply(f"wrote {rel} ({len(new)} characters)", "edit", info)

    def _run_tests(self) -> StepResult:
        assert self.spec is not None
        restored = restore_protected(self.workspace, self.template / "workspace")
        source = read_source(self.workspace)
        digest = tree_hash(source)
        unchanged = self.evaluations > 0 and digest == tree_hash(self.evaluated)
        evaluation = self.evaluator.run(source, self.template / "workspace", self.spec.expected)
        changed, removed = changes(self.evaluated, source)
        info: dict[str, Any] = {
            "kind": "evaluation",
            "evaluation": self.evaluations + 1,
            "source_sha256": digest,
            "snapshot": changed,
            "removed": removed,
            "unchanged": unchanged,
            "restored_protected": restored,
            "diff_prev": unified_diff(self.evaluated, source),
            "diff_original": unified_diff(self.original, source),
            **evaluation.info(),
        }
        fraction = evaluation.passed / evaluation.total if evaluation.total else 0.0
        if evaluation.solved:
            reward = REWARDS["solved"]
        else:
            base = REWARDS["unchanged" if unchanged else "evaluation"]
            reward = round(base + REWARDS["progress_scale"] * (fraction - self.fraction), 6)
        self._record(source, evaluation, fraction)
        observation = self.observe()
        return StepResult(observation, reward, evaluation.solved, False, True, info)

    def _record(self, source: Snapshot, evaluation: Evaluation, fraction: float) -> None:
        self.source = source
        self.evaluated = dict(source)
        self.results = {tid: r.outcome for tid, r in evaluation.tests.items()}
        self.fraction = fraction
        self.evaluations += 1
        self.last_verdict, self.last_message = evaluation.verdict, evaluation.message
        output = _ADDRESS.sub("0x?", _TIMING.sub(" in <time>", evaluation.output))
        if len(output) > OBSERVED_OUTPUT_CHARS:
            output = "[...]\n" + output[-OBSERVED_OUTPUT_CHARS:]
        self.last_output = output if evaluation.verdict != "passed" else ""

    # ------------------------------------------------------------------ state
    def _state(self) -> dict[str, Any]:
        return {
            "source": dict(sorted(self.source.items())),
            "evaluated": dict(sorted(self.evaluated.items())),
            "results": dict(sorted(self.results.items())),
            "fraction": self.fraction,
            "evaluations": self.evaluations,
            "last_verdict": self.last_verdict,
            "last_message": self.last_message,
        }

    def _restore(self, state: Mapping[str, Any]) -> None:
        try:
            source = {str(k): str(v) for k, v in dict(state["source"]).items()}
            evaluated = {str(k): str(v) for k, v in dict(state["evaluated"]).items()}
            results = {str(k): str(v) for k, v in dict(state["results"]).items()}
            fraction, evaluations = float(state["fraction"]), int(state["evaluations"])
            verdict = state["last_verdict"]
            message, output = str(state["last_message"]), ""
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(
                f"spec: malformed state ({exc!r}); expected the dict from SpecWorld.state()"
            ) from exc
        self._install()
        if self.workdir is None or not self.workspace.is_dir():
            if self.workspace.exists():
                shutil.rmtree(self.workspace)
            shutil.copytree(self.template / "workspace", self.workspace)
            write_source(self.workspace, source)
        self.source, self.evaluated, self.results = source, evaluated, results
        self.fraction, self.evaluations = fraction, evaluations
        self.last_verdict, self.last_message, self.last_output = verdict, message, output

    def replay_step(self, action: Action, recorded_info: Mapping[str, Any]) -> StepResult:
        """Re-apply a recorded evaluation: write its snapshot over the workspace, re-run, compare verdicts."""
        if action.get("name") not in ("run_tests", "run-tests") or "snapshot" not in recorded_info:
            return self.step(action)
        target = apply_changes(
            self.evaluated, recorded_info["snapshot"], list(recorded_info.get("removed", []))
        )
        write_source(self.workspace, target)
        result = self.step(action)
        recorded = {tid: r.get("outcome") for tid, r in dict(recorded_info.get("tests", {})).items()}
        now = {tid: r.get("outcome") for tid, r in dict(result.info.get("tests", {})).items()}
        changed = {
            tid: {"recorded": recorded.get(tid), "replayed": now.get(tid)}
            for tid in sorted(set(recorded) | set(now))
            if recorded.get(tid) != now.get(tid)
        }
        info: dict[str, Any] = {**result.info, "verdict_changes": changed}
        if changed:
            # psignal.replay lists info["replay"] as a note before it reports the divergence.
            info["replay"] = {"flaky_tests": changed}
        return StepResult(
            result.observation, result.reward, result.terminated, result.truncated, result.valid, info
        )

    # ------------------------------------------------------------------ people and oracles
    def parse_action(self, text: str) -> Action:
        stripped = text.strip()
        if stripped.startswith("{"):
            return super().parse_action(stripped)
        head, _, rest = stripped.partition(" ")
        name = ALIASES.get(head, head)
        if name in ("run_tests", "list_files") and not rest.strip():
            return {"name": name, "arguments": {}}
        if name == "read_file" and rest.strip():
            return {"name": name, "arguments": {"path": rest.strip()}}
        if name in ("write_file", "replace_in_file"):
            raise ActionParseError(
                f"{name} takes arguments: `pworlds step DIR {name} --arg path=... --arg ...` or a JSON tool call "
                "(or edit the workspace with any editor and run 'run-tests')"
            )
        raise ActionParseError(
            f"unknown action {text!r}; valid: run-tests, list-files, read-file PATH, or a JSON tool call"
        )

    def reference_solution(self) -> list[Action] | None:
        if self.spec is None or not (self.template / "fix").is_dir():
            return None
        fix = read_fix(self.template)
        if not fix:
            return None
        steps: list[Action] = [
            {
                "name": "write_file",
                "arguments": {"path": rel, "content": decode_content(text).decode("utf-8")},
            }
            for rel, text in sorted(fix.items())
        ]
        return [*steps, {"name": "run_tests", "arguments": {}}]
