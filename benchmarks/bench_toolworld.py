"""toolworld performance: reset, tool-call rate, memory of many episodes, and AWM in-process vs uvicorn.

Run: ``.venv/bin/python benchmarks/bench_toolworld.py``. Prints a markdown table and writes it to
docs/perf/toolworld.md. Targets (issue 4): reset <= 100 us median for a 20-table, 2,000-row env;
>= 10,000 in-process tool calls/s on one core; 1,024 concurrent episodes <= 512 MiB RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AWM_SOURCE = ROOT / "tests" / "toolworld" / "fixtures" / "awm"
OUT = ROOT / "docs" / "perf" / "toolworld.md"


def rss_mib(pid: int | None = None) -> float:
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def median_us(fn: Any, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1000


# ----------------------------------------------------------------------------- a procedural env
def build_procedural_env(root: Path, tables: int = 20, rows_per_table: int = 100) -> Path:
    """20 tables x 100 rows (2,000 rows), each row with a FK to the previous table, CHECKs and an index."""
    env = root / "bench_env"
    env.mkdir(parents=True, exist_ok=True)
    schema, seed = [], []
    for t in range(tables):
        fk = f", parent_id INTEGER REFERENCES t{t - 1}(id)" if t else ""
        schema.append(
            f"CREATE TABLE t{t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL CHECK (qty >= 0), "
            f"price REAL NOT NULL, note TEXT{fk});\nCREATE INDEX t{t}_name ON t{t}(name);"
        )
        for r in range(1, rows_per_table + 1):
            parent = f", {((r * 7) % rows_per_table) + 1}" if t else ""
            seed.append(
                f"INSERT INTO t{t} VALUES ({r}, 'item {t}-{r}', {r % 50}, {r * 1.25}, 'note {r}'{parent});"
            )
    (env / "schema.sql").write_text("\n".join(schema) + "\n")
    (env / "seed.sql").write_text("\n".join(seed) + "\n")
    (env / "env.yaml").write_text(
        "id: bench_env\ntitle: Bench\ndescription: Procedural benchmark env.\ndomain: bench\nversion: '1'\n"
        "provenance: {generator: procedural, seed: 0, model: null}\n"
    )
    (env / "tools.py").write_text(
        textwrap.dedent(
            '''
            import sqlite3


            def get_item(conn: sqlite3.Connection, table: int, item_id: int) -> dict | None:
                """Read one row."""
                row = conn.execute(f"SELECT * FROM t{int(table)} WHERE id = ?", (item_id,)).fetchone()
                return dict(row) if row else None


            def adjust_qty(conn: sqlite3.Connection, table: int, item_id: int, delta: int) -> dict:
                """Change a row's quantity."""
                conn.execute(f"UPDATE t{int(table)} SET qty = qty + ? WHERE id = ?", (delta, item_id))
                return {"ok": True}
            '''
        )
    )
    (env / "tasks.yaml").write_text(
        "tasks:\n  - id: bump\n    instruction: Add one to item 1 of t0.\n"
        "    solution:\n      - {name: adjust_qty, arguments: {table: 0, item_id: 1, delta: 1}}\n"
    )
    (env / "verify.py").write_text(
        "import sqlite3\n\n\ndef verify_bump(initial: sqlite3.Connection, final: sqlite3.Connection, answer: str | None)"
        " -> dict:\n    q = final.execute('SELECT qty FROM t0 WHERE id = 1').fetchone()[0]\n"
        "    return {'status': 'pass' if q == 2 else 'fail'}\n"
    )
    return env


# ----------------------------------------------------------------------------- in-process measurements
def rate_window(world: Any, action: dict[str, Any], level: str, seconds: float) -> float:
    """Tool calls/s over one window of 30-step episodes (each then reset, untimed: the log stays bounded).

    ``step``: ``world.step`` alone (validation, transaction, diff, hash update). ``event``: plus the
    trace event in memory — ``psignal.trace.step_event`` with the state hash, as a task folder builds
    it (issue 4's definition). ``line``: plus its encoding as the trace.jsonl line (``encode_event``).
    """
    from psignal.trace import encode_event, step_event

    world.reset(task="bump")
    events: list[Any] = []
    n, busy, t_end = 0, 0.0, time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        for _ in range(30):
            result = world.step(action)
            if level != "step":
                event = step_event(n, action, result, world.state_hash())
                events.append(encode_event(event) if level == "line" else event)
            n += 1
        busy += time.perf_counter() - t0
        world.reset(task="bump")  # not a tool call: resets have their own row
        events.clear()
    return n / busy


def raw_transaction_yardstick() -> Callable[[int], float]:
    """The issue's yardstick on this machine: a raw SQLite update+select transaction (the issue: ~7 us).

    Returns a function giving the median of ``n`` such transactions in us, measured when called: taken
    next to each rate window, it says how fast this shared VM ran during that window.
    """
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, i, f"n{i}") for i in range(1000)])

    def txn() -> None:
        conn.execute("BEGIN")
        conn.execute("UPDATE t SET qty = qty + 1 WHERE id = ?", (42,))
        conn.execute("SELECT * FROM t WHERE id = ?", (42,)).fetchone()
        conn.execute("COMMIT")

    return lambda n=2000: median_us(txn, n)


def bench_inprocess(env_path: Path) -> dict[str, Any]:
    from pworlds.worlds.toolworld import ToolWorld
    from pworlds.worlds.toolworld.episode import Episode
    from pworlds.worlds.toolworld.loader import load_env

    env = load_env(env_path)
    out: dict[str, Any] = {"image_kib": len(env.image.data) / 1024}

    def deserialize_only() -> None:
        conn = sqlite3.connect(":memory:")
        conn.deserialize(env.image.data)
        conn.close()

    out["deserialize_us"] = median_us(deserialize_only, 3000)

    def cold_first_read() -> None:
        env.image.pool.clear()  # no pooled connection: a new one that must parse the schema
        episode = Episode(env.image)
        episode.conn.execute(
            "SELECT 1 FROM t0 LIMIT 1"
        ).fetchall()  # parses the schema (lazy, per connection)
        episode.close()

    out["first_read_us"] = median_us(cold_first_read, 1000)
    samples = []
    for i in range(1000):  # a closed episode (1 row written) lends its rewound connection to the next one
        t0 = time.perf_counter_ns()
        episode = Episode(env.image)
        episode.conn.execute("SELECT 1 FROM t0 LIMIT 1").fetchall()
        samples.append(time.perf_counter_ns() - t0)
        episode.call(
            lambda c, i=i: c.execute("UPDATE t5 SET qty = qty + 1 WHERE id = ?", (1 + i % 100,)), {}, None
        )
        t0 = time.perf_counter_ns()
        episode.close()
        samples[-1] += time.perf_counter_ns() - t0
    out["pooled_first_read_us"] = statistics.median(samples) / 1000
    env.image.pool.clear()
    world = ToolWorld({"env": str(env_path), "max_steps": None})
    world.reset(task="bump")
    medians = []
    for _ in range(3):  # best of three medians: load on a shared VM only subtracts
        samples = []
        for i in range(1000):
            for j in range(3):  # an episode that changed 3 rows in 3 tables
                world.step(
                    {
                        "name": "adjust_qty",
                        "arguments": {"table": (i + j) % 20, "item_id": 1 + i % 100, "delta": 1},
                    }
                )
            t0 = time.perf_counter_ns()
            world.reset(task="bump")
            samples.append(time.perf_counter_ns() - t0)
        medians.append(statistics.median(samples) / 1000)
    out["reset_us"] = min(medians)

    read = {"name": "get_item", "arguments": {"table": 3, "item_id": 42}}
    write = {"name": "adjust_qty", "arguments": {"table": 3, "item_id": 42, "delta": 1}}
    levels = ("step", "event", "line")
    yardstick = raw_transaction_yardstick()
    best: dict[tuple[str, str], tuple[float, float]] = {}
    for _ in range(6):  # windows interleaved; each figure keeps its best (load on a shared VM only subtracts)
        for kind, action in (("read", read), ("write", write)):
            for level in levels:
                before = yardstick(500)
                rate = rate_window(world, action, level, 0.5)
                raw = (before + yardstick(500)) / 2
                if rate > best.get((kind, level), (0.0, 0.0))[0]:
                    best[kind, level] = (rate, raw)
    for (kind, level), (rate, raw) in best.items():
        out[f"{kind}_{level}_per_s"] = rate
        out[f"{kind}_{level}_raw_txn_us"] = raw
    out["raw_txn_us"] = min(yardstick() for _ in range(3))
    world.close()
    return out


def shipped_reference_rates() -> dict[str, dict[str, float]]:
    """Calls/s of each shipped env's reference solutions (all tasks, finish excluded), side by side.

    ``pworlds``: ``world.step`` + the trace event in memory (the issue's definition), episodes reset
    between tasks (untimed). ``bare``: the same tool functions called directly on a plain connection to
    the same data (no triggers, diff, hash, validation or trace), each call in its own savepoint, with
    every statement compiled beforehand: what the tools' own SQL and Python cost. The difference is
    what pworlds adds per real call. Real tools: several statements per call, joins, multi-table
    business rules, inserts. Windows of the two alternate; each keeps its best of 3 one-second windows.
    """
    from psignal.trace import step_event
    from pworlds.worlds.toolworld import ToolWorld
    from pworlds.worlds.toolworld.envs import shipped_env_dirs
    from pworlds.worlds.toolworld.episode import strip_instrumentation

    def pworlds_window(world: Any, plans: list[tuple[str, list[dict[str, Any]]]]) -> float:
        n, busy, t_end = 0, 0.0, time.perf_counter() + 1.0
        while time.perf_counter() < t_end:
            for task, actions in plans:
                world.reset(task=task)
                t0 = time.perf_counter()
                for action in actions:
                    result = world.step(action)
                    step_event(n, action, result, world.state_hash())
                    n += 1
                busy += time.perf_counter() - t0
        return n / busy

    def bare_window(data: bytes, calls: list[list[tuple[Callable[..., Any], dict[str, Any]]]]) -> float:
        n, busy, t_end = 0, 0.0, time.perf_counter() + 1.0
        while time.perf_counter() < t_end:
            for plan in calls:
                conn = sqlite3.connect(":memory:", isolation_level=None, cached_statements=256)
                conn.deserialize(data)
                conn.execute("PRAGMA foreign_keys = ON")
                conn.row_factory = sqlite3.Row
                for timed in (False, True):  # the first pass compiles the statements and is undone
                    conn.execute("BEGIN")
                    t0 = time.perf_counter()
                    for fn, arguments in plan:
                        conn.execute("SAVEPOINT c")
                        try:
                            fn(conn, **arguments)
                        except Exception:  # a refused call costs its statements too
                            conn.execute("ROLLBACK TO c")
                        conn.execute("RELEASE c")
                    if timed:
                        busy += time.perf_counter() - t0
                        n += len(plan)
                    conn.execute("ROLLBACK")
                conn.close()
        return n / busy

    rates = {}
    for env_id in shipped_env_dirs():
        world = ToolWorld({"env": env_id})
        plans = []
        for task in world.tasks():
            world.reset(task=task)
            plans.append((task, [a for a in world.reference_solution() or [] if a["name"] != "finish"]))
        tools = world.env.tools
        calls = [[(tools[a["name"]].fn, a["arguments"]) for a in actions] for _task, actions in plans]
        data = strip_instrumentation(world.env.image.data)
        best = {"pworlds": 0.0, "bare": 0.0}
        for _ in range(3):
            best["pworlds"] = max(best["pworlds"], pworlds_window(world, plans))
            best["bare"] = max(best["bare"], bare_window(data, calls))
        rates[env_id] = best
        world.close()
    return rates


def bench_memory(env_ref: str, n: int = 1024) -> float:
    """RSS added by n live episodes, each reset and then driven through its task's reference solution
    (all but finish) — or, for envs without solutions, 5 write calls — so caches and statements are warm."""
    from pworlds.worlds.toolworld import ToolWorld
    from pworlds.worlds.toolworld.loader import load_env

    load_env(env_ref)
    gc.collect()
    before = rss_mib()
    worlds = []
    for i in range(n):
        w = ToolWorld({"env": env_ref, "max_steps": None})
        tasks = list(w.tasks())
        w.reset(task=tasks[i % len(tasks)])
        solution = (w.reference_solution() or [])[:-1]
        if not any(t.solution for t in w.env.tasks.values()):
            solution = [
                {"name": "adjust_qty", "arguments": {"table": i % 20, "item_id": 1 + i % 100, "delta": 1}}
            ] * 5
        for action in solution:
            w.step(action)
        worlds.append(w)
    gc.collect()
    used = rss_mib() - before
    for w in worlds:
        w.close()
    return used


# ----------------------------------------------------------------------------- AWM: in-process vs uvicorn
def bench_awm_inprocess(env_path: Path) -> dict[str, Any]:
    from pworlds.worlds.toolworld import ToolWorld
    from pworlds.worlds.toolworld.loader import load_env

    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    load_env(env_path)
    world = ToolWorld({"env": str(env_path), "max_steps": None})
    world.reset(task="task_0")
    world.step({"name": "list_books", "arguments": {}})
    start_s = time.perf_counter() - t0
    samples = []
    for _ in range(300):
        world.step({"name": "borrow_book", "arguments": {"member_id": 1, "book_id": 3}})
        t1 = time.perf_counter_ns()
        world.reset(task="task_0")
        samples.append(time.perf_counter_ns() - t1)
    reset_us = statistics.median(samples) / 1000
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        world.reset(task="task_0")
        world.step({"name": "list_books", "arguments": {"title": "Dune"}})
        world.step({"name": "borrow_book", "arguments": {"member_id": 1, "book_id": 3}})
        n += 2
    rate = n / (time.perf_counter() - t0)
    world.close()
    return {"start_s": start_s, "reset_us": reset_us, "calls_per_s": rate, "rss_mib": rss_mib() - rss0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rebuild_db(db: Path, schema: str, seed: str) -> None:
    """The published approach's reset: drop everything and rebuild the DB from SQL."""
    conn = sqlite3.connect(db)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    conn.execute("PRAGMA foreign_keys = OFF")
    for name in names:
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    conn.executescript(schema)
    conn.executescript(seed)
    conn.commit()
    conn.close()


def bench_awm_uvicorn(env_path: Path, tmp: Path) -> dict[str, Any]:
    import httpx

    schema = (env_path / "schema.sql").read_text()
    seed = (env_path / "seed.sql").read_text()
    app_file = tmp / "awm_server.py"
    app_file.write_text((env_path / "awm_app.py").read_text())
    db = tmp / "awm.db"
    port = _free_port()
    t0 = time.perf_counter()
    _rebuild_db(db, schema, seed)
    proc = subprocess.Popen(
        [sys.executable, str(app_file)],
        env={**os.environ, "DATABASE_PATH": f"sqlite:///{db}", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            while True:
                try:
                    client.get("/api/books")
                    break
                except httpx.TransportError:
                    if time.perf_counter() - t0 > 30:
                        raise RuntimeError("uvicorn did not start") from None
                    time.sleep(0.01)
            start_s = time.perf_counter() - t0
            reset_us = median_us(lambda: _rebuild_db(db, schema, seed), 100)
            n, t1 = 0, time.perf_counter()
            while time.perf_counter() - t1 < 2.0:
                _rebuild_db(db, schema, seed)
                client.get("/api/books", params={"title": "Dune"})
                client.post("/api/loans", json={"member_id": 1, "book_id": 3})
                n += 2
            rate = n / (time.perf_counter() - t1)
            rss = rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    return {"start_s": start_s, "reset_us": reset_us, "calls_per_s": rate, "rss_mib": rss}


def memory_in_subprocess(env_ref: str, n: int = 1024) -> float:
    """RSS added by n episodes, measured in a fresh interpreter so earlier benchmarks do not skew it."""
    done = subprocess.run(
        [sys.executable, __file__, "--memory", env_ref, str(n)], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def calibration_ms() -> float:
    """Pure-Python yardstick: ``sum(range(10**7))`` (≈ 80-120 ms on an idle modern core)."""
    return min(median_us(lambda: sum(range(10**7)), 1) for _ in range(3)) / 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--inprocess-only", action="store_true",
        help="only the in-process figures (reset, episodes, tool-call rates); print, do not write docs/perf",
    )  # fmt: skip
    parser.add_argument("--memory", nargs=2, metavar=("ENV", "N"), help=argparse.SUPPRESS)  # internal: child
    return parser.parse_args()


def main() -> None:
    from pworlds.worlds.toolworld.awm import import_awm
    from pworlds.worlds.toolworld.envs import shipped_env_dirs

    args = parse_args()
    if args.memory:
        print(bench_memory(args.memory[0], int(args.memory[1])))
        return
    calib = calibration_ms()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pworlds-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env_path = build_procedural_env(tmp)
        inproc = bench_inprocess(env_path)
        inproc["shipped_event_per_s"] = shipped_reference_rates()
        if args.inprocess_only:
            print(f"yardstick {calib:.0f} ms, load {load:.1f}")
            print(json.dumps(inproc, indent=1, default=float))
            return
        mem_proc = memory_in_subprocess(str(env_path))
        mem_shipped = {k: memory_in_subprocess(k) for k in shipped_env_dirs()}
        (awm_env,) = import_awm(AWM_SOURCE, tmp / "awm_envs")
        awm_in = bench_awm_inprocess(awm_env)
        awm_uv = bench_awm_uvicorn(awm_env, tmp)

    rows = [
        ("world.reset() after an episode that changed 3 rows (rewind), 20 tables / 2,000 rows, best median of 3 × 1,000",
         f"{inproc['reset_us']:.0f} µs", "≤ 100 µs"),
        ("new episode, cold: connect + deserialize a fresh in-memory DB from the image, median",
         f"{inproc['deserialize_us']:.0f} µs", ""),
        ("new episode, cold, + first statement (SQLite parses the schema per connection), median",
         f"{inproc['first_read_us']:.0f} µs", ""),
        ("new episode from the per-image pool + first statement, + closing the previous episode "
         "(rewind of its 1 changed row into the pool), median", f"{inproc['pooled_first_read_us']:.0f} µs", ""),
        ("seeded image size", f"{inproc['image_kib']:.0f} KiB", ""),
        ("raw SQLite update+select transaction on this machine (the issue measured ~7 µs), best median of 3",
         f"{inproc['raw_txn_us']:.1f} µs", ""),
        *[(f"tool calls/s, {kind}, {what}; best 0.5 s window of 6",
           f"{inproc[f'{kind}_{level}_per_s']:,.0f} (raw txn {inproc[f'{kind}_{level}_raw_txn_us']:.1f} µs)",
           "≥ 10,000" if level == "event" else "")
          for kind in ("read", "write")
          for level, what in (
              ("step", "`world.step` alone (validation, transaction, DB diff, hash update)"),
              ("event", "+ trace event in memory (`step_event` with the state hash): the issue's definition"),
              ("line", "+ the event encoded as its trace.jsonl line"),
          )],
        *[(f"tool calls/s, shipped env {k}: its 10 reference solutions (real tools: several statements, "
           "joins, inserts) + trace event in memory, vs the same tool functions alone on a plain connection "
           "(statements compiled beforehand); best 1 s window of 3, alternating",
           f"{v['pworlds']:,.0f} vs {v['bare']:,.0f}: pworlds adds "
           f"{1e6 / v['pworlds'] - 1e6 / v['bare']:.0f} µs to a call whose tool takes {1e6 / v['bare']:.0f} µs", "")
          for k, v in inproc["shipped_event_per_s"].items()],
        ("1,024 live episodes, 20-table env, after 5 write calls each: RSS added", f"{mem_proc:.0f} MiB",
         "≤ 512 MiB"),
        *[(f"1,024 live episodes, shipped env {k}, after its reference solutions: RSS added", f"{v:.0f} MiB",
           "≤ 512 MiB") for k, v in mem_shipped.items()],
    ]  # fmt: skip
    awm_rows = [
        ("start (load app → first answer)", f"{awm_in['start_s'] * 1000:.0f} ms", f"{awm_uv['start_s'] * 1000:.0f} ms",
         f"{awm_uv['start_s'] / awm_in['start_s']:.1f}×"),
        ("reset after a write, median", f"{awm_in['reset_us']:.0f} µs", f"{awm_uv['reset_us']:.0f} µs",
         f"{awm_uv['reset_us'] / awm_in['reset_us']:.0f}×"),
        ("tool calls/s (reset + read + write loop)", f"{awm_in['calls_per_s']:,.0f}", f"{awm_uv['calls_per_s']:,.0f}",
         f"{awm_in['calls_per_s'] / awm_uv['calls_per_s']:.1f}×"),
        ("RSS per env", f"{awm_in['rss_mib']:.0f} MiB (added to the process)", f"{awm_uv['rss_mib']:.0f} MiB (server process)",
         f"{awm_uv['rss_mib'] / max(awm_in['rss_mib'], 1):.1f}×"),
    ]  # fmt: skip
    lines = [
        "# toolworld performance",
        "",
        f"`benchmarks/bench_toolworld.py`, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, one core used. Machine speed yardstick: `sum(range(10**7))` took "
        f"{calib:.0f} ms (≈ 80-120 ms on an idle modern core); load average {load:.1f} when the run started — "
        "on a shared, loaded machine every number below is proportionally slower.",
        "",
        "This VM's speed swings by 2x within minutes (other tenants). Each tool-call row therefore also gives "
        "the raw SQLite update+select transaction time measured around its best window: the issue's "
        "orientation figure for this machine is ~7 µs, so a row taken at ~7 µs ran at the speed the "
        "targets assume, and a row taken at 14 µs on a machine running at half that speed.",
        "",
        "| measurement | result | target |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        "## AWM fixture env: pworlds in-process (ASGI transport, in-memory DB) vs published approach",
        "",
        "Published approach: the same FastAPI app under real uvicorn in a subprocess, called over HTTP with httpx, "
        "DB rebuilt from SQL on reset.",
        "",
        "| measurement | pworlds in-process | uvicorn + HTTP | ratio (pworlds advantage) |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in awm_rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(
        json.dumps({"inprocess": inproc, "awm_inprocess": awm_in, "awm_uvicorn": awm_uv}, default=float),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
