"""Property: after any sequence of calls (inserts, updates, deletes, REPLACE, key changes, failures),
the incremental content hash equals a full recount, and replaying the per-call diffs onto the previous
rows gives exactly the current rows."""

from __future__ import annotations

import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pworlds.worlds.toolworld.episode import Episode, content_hash, image_from_connection

SCHEMA = """
CREATE TABLE a (id INTEGER PRIMARY KEY, v INTEGER NOT NULL CHECK (v < 50), note TEXT, blob BLOB);
CREATE TABLE b (x TEXT NOT NULL, y INTEGER NOT NULL, w REAL, PRIMARY KEY (x, y)) WITHOUT ROWID;
INSERT INTO a VALUES (1, 1, 'one', x'00ff'), (2, 2, NULL, NULL), (3, 3, 'three', NULL);
INSERT INTO b VALUES ('p', 1, 0.5), ('q', 2, 1.25);
"""


def _image():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    return image_from_connection(conn)


IMAGE = _image()

statements = st.one_of(
    st.builds(lambda i, v: ("INSERT OR REPLACE INTO a (id, v, note) VALUES (?, ?, 'r')", (i, v)),
              st.integers(1, 6), st.integers(0, 60)),
    st.builds(lambda i, d: ("UPDATE a SET v = v + ? WHERE id = ?", (d, i)), st.integers(-3, 20), st.integers(1, 6)),
    st.builds(lambda i, j: ("UPDATE a SET id = ? WHERE id = ?", (j, i)), st.integers(1, 6), st.integers(1, 9)),
    st.builds(lambda i: ("DELETE FROM a WHERE id = ?", (i,)), st.integers(1, 6)),
    st.builds(lambda x, y, w: ("INSERT OR REPLACE INTO b VALUES (?, ?, ?)", (x, y, w)),
              st.sampled_from("pqr"), st.integers(1, 3), st.floats(-5, 5, allow_nan=False)),
    st.builds(lambda x, y: ("UPDATE b SET y = y + 1 WHERE x = ? AND y = ?", (x, y)),
              st.sampled_from("pqr"), st.integers(1, 3)),
    st.builds(lambda x: ("DELETE FROM b WHERE x = ?", (x,)), st.sampled_from("pqr")),
)  # fmt: skip
calls = st.lists(st.lists(statements, min_size=1, max_size=4), min_size=1, max_size=8)


def _rows(conn: sqlite3.Connection) -> dict[str, set[tuple]]:
    return {t: {tuple(r) for r in conn.execute(f"SELECT * FROM {t}")} for t in ("a", "b")}


def _as_tuple(table: str, row: dict) -> tuple:
    cols = IMAGE.columns[table]
    return tuple(bytes.fromhex(row[c]) if c == "blob" and row[c] is not None else row[c] for c in cols)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls)
def test_incremental_hash_and_diffs_match_the_database(batches: list[list[tuple[str, tuple]]]) -> None:
    episode = Episode(IMAGE)
    try:
        previous = _rows(episode.conn)
        for batch in batches:

            def run(conn: sqlite3.Connection, batch: list[tuple[str, tuple]] = batch) -> None:
                for sql, params in batch:
                    conn.execute(sql, params)

            outcome = episode.call(run, {}, 5.0)
            current = _rows(episode.conn)
            if not outcome.ok:
                assert current == previous  # a failed call changes nothing
                continue
            rebuilt = {t: set(rows) for t, rows in previous.items()}
            for table, change in outcome.diff.items():
                for row in change["deleted"]:
                    rebuilt[table].remove(_as_tuple(table, row))
                for upd in change["updated"]:
                    rebuilt[table].remove(_as_tuple(table, upd["before"]))
                    rebuilt[table].add(_as_tuple(table, upd["after"]))
                for row in change["inserted"]:
                    rebuilt[table].add(_as_tuple(table, row))
            assert rebuilt == current
            assert episode.hash == content_hash(episode.conn, IMAGE.tables)
            previous = current
    finally:
        episode.close()


def _sql(*statements: str):
    def run(conn: sqlite3.Connection) -> None:
        for sql in statements:
            conn.execute(sql)

    return run


def test_hash_is_order_independent_and_content_based() -> None:
    one, two = Episode(IMAGE), Episode(IMAGE)
    assert one.call(_sql("UPDATE a SET v = 9 WHERE id = 1", "DELETE FROM a WHERE id = 2"), {}, None).ok
    assert two.call(_sql("DELETE FROM a WHERE id = 2"), {}, None).ok
    assert two.call(_sql("UPDATE a SET v = 9 WHERE id = 1"), {}, None).ok
    assert one.hash == two.hash != IMAGE.initial_hash
    assert two.call(
        _sql("UPDATE a SET v = 1 WHERE id = 1", "INSERT INTO a VALUES (2, 2, NULL, NULL)"), {}, None
    ).ok
    assert two.hash == IMAGE.initial_hash  # back to the same content, back to the same hash
    one.close()
    two.close()
