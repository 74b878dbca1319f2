"""AWM verifier code → a toolworld code verifier.

AWM verifiers compare two SQLite *files* (``verify_task_completion(initial_db_path, final_db_path,
final_answer=None) -> {"result": "complete" | "others"}``), while toolworld verifiers receive the episode's
initial and final connections. The wrapper bridges the two by writing both databases to a temp folder per
call, passing only the arguments the code accepts, and turning ``"complete"`` into a pass.
"""

from __future__ import annotations

import inspect
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pworlds.worlds.toolworld.awm_layout import VERIFIERS_FILE


def wrap_verifier(code: str, name: str) -> Callable[..., Any]:
    """Load one AWM verifier (trusted code) as a toolworld verifier named ``name``; raises if it does not load."""
    namespace: dict[str, Any] = {"__name__": f"pworlds_awm_{name}"}
    exec(compile(code, f"{VERIFIERS_FILE}:{name}", "exec", dont_inherit=True), namespace)  # trusted code
    fn = namespace.get("verify_task_completion")
    if fn is None:
        raise ValueError(f"{name}: the AWM verifier code defines no verify_task_completion")
    accepted = set(inspect.signature(fn).parameters)

    def verifier(
        initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None
    ) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="pworlds-awm-") as tmp:
            paths = {
                "initial_db_path": str(Path(tmp) / "initial.db"),
                "final_db_path": str(Path(tmp) / "final.db"),
            }
            Path(paths["initial_db_path"]).write_bytes(initial.serialize())
            Path(paths["final_db_path"]).write_bytes(final.serialize())
            kwargs: dict[str, Any] = {k: v for k, v in paths.items() if k in accepted}
            if "final_answer" in accepted:
                kwargs["final_answer"] = answer
            result = fn(**kwargs)
        status = "pass" if isinstance(result, dict) and result.get("result") == "complete" else "fail"
        return {"status": status, "evidence": {"awm": result}, "message": f"AWM verifier: {result!r}"[:300]}

    verifier.__name__ = name
    return verifier
