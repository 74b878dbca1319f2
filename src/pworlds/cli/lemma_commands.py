"""CLI commands of the lemma part: ``pworlds lemma list|prove|check``. Imports stay lazy (start-up < 300 ms)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

lemma_app = typer.Typer(
    help="The theorem-proving world: library, proof files, cross-checks.", no_args_is_help=True
)


def _failed(message: str) -> Exception:
    """A runtime failure (exit 1) reported as one line by the root app."""
    from psignal.errors import PworldsError

    return PworldsError(message)


def _emit(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


@lemma_app.command("list")
def list_theorems(
    tag: str | None = typer.Option(
        None, "--tag", help="Only theorems with this tag (e.g. arithmetic, easy)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """List the library's theorems with their difficulty and statement."""
    from pworlds.worlds.lemma.theorems import theorems

    rows = [
        {
            "name": t.name,
            "difficulty": t.difficulty,
            "tags": list(t.tags),
            "statement": t.statement.lean(),
            "steps": len(t.proof),
        }
        for t in theorems()
        if tag is None or tag in t.tags
    ]
    if as_json:
        _emit(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} theorems")
    for col in ("name", "difficulty", "tags", "statement"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["difficulty"], ", ".join(r["tags"]), r["statement"])
    Console().print(table)


@lemma_app.command("prove")
def prove_file(
    file: Path = typer.Argument(
        ..., help="A Lean-style script: 'theorem NAME STATEMENT := by' then one tactic per line."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Check a proof script with the built-in kernel (exit 0 proved, 1 not proved, 2 malformed file)."""
    from psignal.errors import UsageError
    from pworlds.worlds.lemma.parser import LemmaSyntaxError
    from pworlds.worlds.lemma.proof_file import read_proof_file
    from pworlds.worlds.lemma.prover import Prover, TacticError
    from pworlds.worlds.lemma.theorems import lemmas_before

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{file}: cannot read ({exc.strerror}); give a path to a proof script") from exc
    try:
        script = read_proof_file(text)
    except LemmaSyntaxError as exc:
        raise UsageError(f"{file}: statement {exc}") from exc
    except ValueError as exc:
        raise UsageError(f"{file}: {exc}") from exc
    prover = Prover(script.statement, lemmas_before(script.name))
    failure: dict | None = None
    for line, tactic in script.tactics:
        try:
            prover.step(tactic)
        except TacticError as exc:
            failure = {"line": line, "tactic": tactic, "error": str(exc), "goals": prover.text()}
            break
    result = {"file": str(file), "theorem": script.name, "proved": prover.done and failure is None,
              "steps": len(prover.tactics), "failure": failure, "goals": prover.text()}  # fmt: skip
    if as_json:
        _emit(result)
    elif result["proved"]:
        print(f"{file}: {script.name} proved ({len(prover.tactics)} tactics, checked by the kernel)")
    elif failure:
        print(f"{file}:{failure['line']}: {failure['error']}\n{failure['goals']}", file=sys.stderr)
    else:
        print(f"{file}: unsolved goals\n{prover.text()}", file=sys.stderr)
    if not result["proved"]:
        raise _failed(f"{file}: {script.name} is not proved")


@lemma_app.command("check")
def check_library(
    files: list[Path] = typer.Argument(
        None, help="Your theorem files (library YAML format); default: the library."
    ),
    coq: bool = typer.Option(False, "--coq", help="Also export every theorem to Coq and prove it there."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable JSON output."),
) -> None:
    """Replay every reference proof through the kernel (and optionally cross-check in Coq)."""
    import time

    from pworlds.worlds.lemma.theorems import checked_lemmas, negative_controls, theorems

    if files:
        _check_user_files(files, coq, as_json)
        return

    t0 = time.perf_counter()
    checked = len(checked_lemmas())
    summary: dict = {"theorems": len(theorems()), "kernel_checked": checked,
                     "kernel_seconds": round(time.perf_counter() - t0, 3)}  # fmt: skip
    if coq:
        from pworlds.worlds.lemma.coq import cross_check

        t1 = time.perf_counter()
        pos = cross_check(list(theorems()))
        neg = cross_check(list(negative_controls()))
        summary["coq_proved"] = sum(v is None for v in pos.values())
        summary["coq_failures"] = {k: v for k, v in pos.items() if v is not None}
        summary["negative_controls_proved"] = [k for k, v in neg.items() if v is None]
        summary["coq_seconds"] = round(time.perf_counter() - t1, 3)
    if as_json:
        _emit(summary)
    else:
        for k, v in summary.items():
            print(f"{k}: {v}")
    if coq and (summary["coq_failures"] or summary["negative_controls_proved"]):
        raise _failed("the Coq cross-check found problems (see above)")


def _check_user_files(files: list[Path], coq: bool, as_json: bool) -> None:
    from psignal.errors import UsageError
    from pworlds.worlds.lemma.theorems import LibraryError, check_user_theorems, load_user_file

    try:
        user = [t for f in files for t in load_user_file(f)]
    except LibraryError as exc:
        raise UsageError(str(exc)) from exc
    kernel = check_user_theorems(user)
    rows = [{"theorem": name, "kernel": problem or "ok"} for name, problem in kernel.items()]
    if coq:
        from pworlds.worlds.lemma.coq import cross_check

        coq_results = cross_check(user)
        for row in rows:
            row["coq"] = coq_results[row["theorem"]] or "ok"
    if as_json:
        _emit(rows)
    else:
        for row in rows:
            print("  ".join(f"{k}: {v}" for k, v in row.items()))
    bad = [r["theorem"] for r in rows if r["kernel"] != "ok" or r.get("coq", "ok") != "ok"]
    if bad:
        raise _failed(f"{len(bad)} of {len(rows)} theorem(s) failed: {', '.join(bad)}")


def register(app: typer.Typer) -> None:
    """Add this part's commands to the main app."""
    app.add_typer(lemma_app, name="lemma")
