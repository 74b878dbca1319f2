"""Benchmark the lemma world: built-in tactic steps, whole-library replay, Coq round-trips and start-up.

Run: .venv/bin/python benchmarks/bench_lemma.py   (prints a markdown table and writes docs/perf/lemma.md)
Targets: built-in step ≤ 0.5 ms median; library replay ≤ 5 s; Coq ≤ 5 ms median per tactic (warm coqtop).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from pworlds.worlds.lemma import LemmaWorld
from pworlds.worlds.lemma.coq import CoqSession, coq_statement, coqtop_path
from pworlds.worlds.lemma.theorems import checked_lemmas, lemmas_before, replay, theorems

OUT = Path(__file__).resolve().parent.parent / "docs" / "perf" / "lemma.md"
COQ_TACTICS = ["intros", "split", "assumption", "simpl", "auto", "reflexivity", "tauto", "lia"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def bench_builtin() -> dict[str, str]:
    checked_lemmas()  # load and check the library once (cached), as any process does on first use
    lib = theorems()
    world_steps: list[float] = []
    for _round in range(3):
        for t in lib:
            w = LemmaWorld()
            w.reset(task=t.name)
            for action in w.reference_solution() or []:
                t0 = time.perf_counter()
                w.step(action)
                world_steps.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for t in lib:
        replay(t, lemmas_before(t.name))
    library_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    checked_lemmas.cache_clear()
    checked_lemmas()
    chain_s = time.perf_counter() - t0
    world_steps.sort()
    return {
        "built-in tactic step (LemmaWorld.step), median": ms(statistics.median(world_steps)),
        "built-in tactic step, p95": ms(world_steps[int(len(world_steps) * 0.95)]),
        "built-in tactic steps measured": str(len(world_steps)),
        f"replay all {len(lib)} reference proofs (kernel-checked)": f"{library_s:.3f} s",
        "check the library lemma chain from scratch": f"{chain_s:.3f} s",
    }


def bench_coq() -> dict[str, str]:
    if coqtop_path() is None:
        return {"coq": "skipped (coqtop not on PATH)"}
    starts, bare = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        s = CoqSession()
        starts.append(time.perf_counter() - t0)
        s.close()
        t0 = time.perf_counter()
        s = CoqSession(prelude=None)
        bare.append(time.perf_counter() - t0)
        s.close()
    session = CoqSession()
    trips: list[float] = []
    try:
        for t in theorems()[:60]:
            session.send("Abort All")
            session.send(f"Theorem bench : {coq_statement(t)}")
            for tactic in COQ_TACTICS:
                t0 = time.perf_counter()
                session.send(tactic)
                trips.append(time.perf_counter() - t0)
        w = LemmaWorld({"backend": "coq"})
        resets = []
        for t in theorems()[:20]:
            t0 = time.perf_counter()
            w.reset(task=t.name)
            resets.append(time.perf_counter() - t0)
        w.close()
    finally:
        session.close()
    trips.sort()
    return {
        "coq tactic round-trip (warm coqtop), median": ms(statistics.median(trips)),
        "coq tactic round-trip, p95": ms(trips[int(len(trips) * 0.95)]),
        "coq round-trips measured": str(len(trips)),
        "coq session start, bare coqtop, median": ms(statistics.median(bare)),
        "coq session start incl. Require Import Lia Arith (default), median": ms(statistics.median(starts)),
        "coq episode reset reusing the session (Abort All + Theorem), median": ms(
            statistics.median(resets[1:])
        ),
    }


def main() -> None:
    rows = {**bench_builtin(), **bench_coq()}
    lines = ["# lemma world performance", "", "| measurement | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    lines += ["", "Targets: built-in step ≤ 0.5 ms median; whole library replay ≤ 5 s; "
              "Coq ≤ 5 ms median per tactic round-trip with a warm coqtop.", ""]  # fmt: skip
    table = "\n".join(lines)
    print(table)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
