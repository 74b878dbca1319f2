"""Property: after any sequence of calls (inserts, updates, deletes, REPLACE, key changes, failures),
the incremental content hash equals a full recount, and replaying the per-call diffs onto the previous
rows gives exactly the current rows."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pworlds.worlds.toolworld.episode import Episode, content_hash, image_from_connection

SCHEMA = """
CREATE TABLE a (id INTEGER PRIMARY KEY, v INTEGER NOT NULL CHECK (v < 50), note TEXT, blob BLOB);
CREATE TABLE b (x TEXT NOT NULL, y INTEGER NOT NULL, w REAL, PRIMARY KEY (x, y)) WITHOUT ROWID;
CREATE TABLE c (id INTEGER PRIMARY KEY AUTOINCREMENT, a_id INTEGER REFERENCES a(id) ON DELETE CASCADE,
                label TEXT UNIQUE);
CREATE TABLE d (name TEXT NOT NULL, n INTEGER, twice INTEGER GENERATED ALWAYS AS (n * 2) VIRTUAL);
INSERT INTO a VALUES (1, 1, 'one', x'00ff'), (2, 2, NULL, NULL), (3, 3, 'three', NULL);
INSERT INTO b VALUES ('p', 1, 0.5), ('q', 2, 1.25);
INSERT INTO c (a_id, label) VALUES (1, 'c1'), (3, 'c3');
INSERT INTO d (name, n) VALUES ('x', 1), ('y', 2);
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
    st.builds(lambda i, lab: ("INSERT INTO c (a_id, label) VALUES (?, ?)", (i, lab)),
              st.integers(1, 4), st.sampled_from(["c1", "c2", "c5"])),
    st.builds(lambda lab: ("DELETE FROM c WHERE label = ?", (lab,)), st.sampled_from(["c1", "c2", "c3"])),
    st.builds(lambda n: ("INSERT INTO d (name, n) VALUES ('z', ?)", (n,)), st.integers(0, 5)),
    st.builds(lambda n: ("UPDATE d SET n = n + ? WHERE name = 'x'", (n,)), st.integers(0, 5)),
    st.builds(lambda nm: ("DELETE FROM d WHERE name = ?", (nm,)), st.sampled_from("xyz")),
)  # fmt: skip
calls = st.lists(st.lists(statements, min_size=1, max_size=4), min_size=1, max_size=8)


def _initial_rows() -> dict[str, Counter]:
    episode = Episode(IMAGE)
    rows = _rows(episode.conn)
    episode.close()
    return rows


def _rows(conn: sqlite3.Connection) -> dict[str, Counter]:
    """Rows per table as a multiset (table d has no key, so rows may repeat)."""
    return {t: Counter(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in ("a", "b", "c", "d")}


def _as_tuple(table: str, row: dict) -> tuple:
    cols = IMAGE.columns[table]
    return tuple(bytes.fromhex(row[k]) if k == "blob" and row[k] is not None else row[k] for k in cols)


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
            rebuilt = {t: Counter(rows) for t, rows in previous.items()}
            for table, change in outcome.diff.items():
                for row in change["deleted"]:
                    rebuilt[table][_as_tuple(table, row)] -= 1
                for upd in change["updated"]:
                    rebuilt[table][_as_tuple(table, upd["before"])] -= 1
                    rebuilt[table][_as_tuple(table, upd["after"])] += 1
                for row in change["inserted"]:
                    rebuilt[table][_as_tuple(table, row)] += 1
            assert all(n >= 0 for c in rebuilt.values() for n in c.values())
            assert {t: +c for t, c in rebuilt.items()} == current
            assert episode.hash == content_hash(episode.conn, IMAGE.tables)
            previous = current
        # a rewind restores exactly the image: every row, the AUTOINCREMENT counters and the hash,
        # in place (foreign keys on throughout, so no row points at a missing parent on the way)
        assert episode.rewind()
        assert _rows(episode.conn) == _initial_rows()
        assert episode.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert [tuple(r) for r in episode.conn.execute("SELECT name, seq FROM sqlite_sequence")] == [("c", 2)]
        assert episode.hash == IMAGE.initial_hash == content_hash(episode.conn, IMAGE.tables)
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


updates = st.one_of(
    st.builds(lambda i, d: ("UPDATE a SET v = v + ? WHERE id = ?", (d, i)), st.integers(-3, 20), st.integers(1, 4)),
    st.builds(lambda i, n: ("UPDATE a SET note = ?, blob = ? WHERE id = ?", (n, b"\x01", i)),
              st.sampled_from([None, "n", "three"]), st.integers(1, 3)),
    st.builds(lambda i, j: ("UPDATE a SET id = ? WHERE id = ?", (j, i)), st.integers(1, 3), st.integers(1, 5)),
    st.builds(lambda x, w: ("UPDATE b SET w = ? WHERE x = ?", (w, x)), st.sampled_from("pq"),
              st.sampled_from([0.5, 1, 1.0, 7.25, None])),
    st.builds(lambda lab, new: ("UPDATE c SET label = ? WHERE label = ?", (new, lab)),
              st.sampled_from(["c1", "c3", "t"]), st.sampled_from(["c1", "c3", "t"])),
    st.builds(lambda n: ("UPDATE d SET n = ? WHERE name = 'x'", (n,)), st.sampled_from([1, 1.0, 3, "1"])),
)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(updates, min_size=1, max_size=3), min_size=1, max_size=6))
def test_rewind_of_update_only_episodes_restores_the_image(batches: list[list[tuple[str, tuple]]]) -> None:
    """Updates only (key changes, swapped UNIQUE values, 1 vs 1.0, FK cascades): the rewind is exact."""
    episode = Episode(IMAGE)
    try:
        for batch in batches:

            def run(conn: sqlite3.Connection, batch: list[tuple[str, tuple]] = batch) -> None:
                for sql, params in batch:
                    conn.execute(sql, params)

            episode.call(run, {}, 5.0)
        assert episode.rewind()
        assert _rows(episode.conn) == _initial_rows()
        assert [tuple(r) for r in episode.conn.execute("SELECT typeof(n) FROM d ORDER BY rowid")] == [
            ("integer",),
            ("integer",),
        ]
        assert episode.hash == IMAGE.initial_hash == content_hash(episode.conn, IMAGE.tables)
        assert episode.call(_sql("UPDATE a SET v = 5 WHERE id = 1"), {}, None).diff["a"]["updated"]
    finally:
        episode.close()


def test_update_only_rewind_writes_rows_back_without_the_general_path() -> None:
    episode = Episode(IMAGE)
    assert episode.call(_sql("UPDATE a SET v = 7 WHERE id = 1", "UPDATE d SET n = 9"), {}, None).ok
    assert episode._rewind_updates()  # the fast path took it (no delete + insert)
    assert episode.hash == IMAGE.initial_hash == content_hash(episode.conn, IMAGE.tables)
    assert _rows(episode.conn) == _initial_rows()
    episode.close()


def test_update_only_rewind_falls_back_when_restoring_order_conflicts() -> None:
    """Swapped UNIQUE labels cannot be written back row by row; the general path still rewinds."""
    episode = Episode(IMAGE)
    swap = _sql(
        "UPDATE c SET label = 'tmp' WHERE label = 'c1'",
        "UPDATE c SET label = 'c1' WHERE label = 'c3'",
        "UPDATE c SET label = 'c3' WHERE label = 'tmp'",
    )
    assert episode.call(swap, {}, None).ok
    assert not episode._rewind_updates()
    assert _rows(episode.conn)["c"] != _initial_rows()["c"]  # the failed fast path changed nothing
    assert episode.rewind()
    assert _rows(episode.conn) == _initial_rows()
    assert episode.hash == IMAGE.initial_hash == content_hash(episode.conn, IMAGE.tables)
    episode.close()


def test_changed_columns_sees_storage_type_changes_and_skips_generated_columns() -> None:
    d = next(t for t in IMAGE.tables if t.name == "d")
    assert d.changed_columns(("x", 1, 2), ("x", 1, 2)) == ()
    assert d.changed_columns(("x", 1.0, 2), ("x", 1, 2)) == (1,)  # equal in Python, not in the content hash
    assert d.changed_columns(("x", 1, 2), ("x", 1, 4)) == ()  # 'twice' is generated: never written
    assert d.update_sql((1,)) == 'UPDATE "d" SET "n" = ? WHERE rowid = ?'


def test_closed_episodes_lend_their_rewound_connection_to_the_next_episode() -> None:
    from pworlds.worlds.toolworld.episode import POOL_SIZE, EnvImage

    image = EnvImage(IMAGE.data, IMAGE.tables, IMAGE.initial_hash, IMAGE.sequences, IMAGE.rewindable)
    first = Episode(image)
    conn = first.conn
    assert first.call(
        _sql("INSERT INTO c (a_id, label) VALUES (2, 'new')", "UPDATE a SET v = 9"), {}, None
    ).ok
    first.close()
    assert image.pool == [conn]
    with pytest.raises(sqlite3.ProgrammingError):
        first.conn.execute("SELECT 1")  # the closed handle cannot reach the pooled connection
    second = Episode(image)
    assert second.conn is conn and not image.pool
    assert _rows(second.conn) == _initial_rows()
    assert [tuple(r) for r in second.conn.execute("SELECT name, seq FROM sqlite_sequence")] == [("c", 2)]
    assert second.hash == image.initial_hash == content_hash(second.conn, image.tables)
    # the new owner's hooks are in place: diffs, the authorizer, the log function only from triggers
    assert second.call(_sql("UPDATE a SET v = 4 WHERE id = 1"), {}, None).diff["a"]["updated"]
    assert "forbidden" in (second.call(_sql("DROP TABLE d"), {}, None).error or "")
    assert not second.call(_sql("SELECT _pw_log('a', 1, 1)"), {}, None).ok
    episodes = [Episode(image) for _ in range(POOL_SIZE + 2)]
    for e in [second, *episodes]:
        e.close()
    assert len(image.pool) == POOL_SIZE


def test_a_pooled_connection_keeps_its_compiled_statements_for_the_next_episode() -> None:
    """The next owner re-points the registered callbacks instead of registering its own (which would
    expire every prepared statement): a statement the last owner ran is not compiled again."""
    from pworlds.worlds.toolworld.episode import EnvImage

    image = EnvImage(IMAGE.data, IMAGE.tables, IMAGE.initial_hash, IMAGE.sequences, IMAGE.rewindable)
    edit = _sql("UPDATE a SET v = v + 1 WHERE id = 2", "INSERT INTO c (a_id, label) VALUES (2, 'k')")
    first = Episode(image)
    assert first.call(edit, {}, None).ok
    first.close()
    second = Episode(image)
    compiled: list[int] = []
    checker = second._authorizer
    second._authorizer = lambda action, *args: compiled.append(action) or checker(action, *args)
    outcome = second.call(edit, {}, None)
    assert outcome.ok and outcome.diff["c"]["inserted"] and outcome.diff["a"]["updated"]
    assert compiled == []
    assert not second.call(_sql("SELECT * FROM sqlite_master WHERE 0"), {}, None).error
    assert compiled  # a new statement still goes through the new owner's authorizer
    second.close()


def test_trusted_and_restored_episodes_are_not_pooled() -> None:
    from pworlds.worlds.toolworld.episode import EnvImage
    from pworlds.worlds.toolworld.guard import trusted_authorizer

    image = EnvImage(IMAGE.data, IMAGE.tables, IMAGE.initial_hash, IMAGE.sequences, IMAGE.rewindable)
    Episode(image, authorizer=trusted_authorizer).close()
    Episode(image, data=IMAGE.data).close()
    assert image.pool == []


def test_read_only_calls_share_a_savepoint_without_weakening_rollback() -> None:
    episode = Episode(IMAGE)
    read = _sql("SELECT * FROM a", "UPDATE a SET v = 0 WHERE id = 99")  # changes no row
    assert episode.call(read, {}, None).ok
    assert episode.conn.in_transaction  # left open: nothing to commit
    bad = _sql("UPDATE a SET v = 1", "UPDATE a SET v = 99")  # CHECK (v < 50) fails
    assert not episode.call(bad, {}, None).ok
    assert _rows(episode.conn) == _initial_rows() and episode.hash == IMAGE.initial_hash
    assert episode.call(read, {}, None).ok
    assert episode.call(_sql("UPDATE a SET v = 5 WHERE id = 1"), {}, None).ok
    assert not episode.conn.in_transaction  # a write commits
    assert episode.call(read, {}, None).ok
    copy = sqlite3.connect(":memory:")
    copy.deserialize(episode.serialize())  # settles the open savepoint first
    assert not episode.conn.in_transaction
    assert copy.execute("SELECT v FROM a WHERE id = 1").fetchone() == (5,)
    assert episode.rewind() and _rows(episode.conn) == _initial_rows()
    episode.close()


def test_rewind_reads_rows_again_after_a_write_outside_call() -> None:
    """The rewind reuses the rows the diffs read, unless something wrote behind the episode's back."""
    episode = Episode(IMAGE)
    assert episode.call(_sql("UPDATE a SET v = 7 WHERE id = 1"), {}, None).ok
    episode.conn.execute("UPDATE a SET note = 'behind' WHERE id = 1")  # not through call()
    assert episode.rewind()
    assert _rows(episode.conn) == _initial_rows()
    assert episode.call(_sql("UPDATE a SET v = 8 WHERE id = 1"), {}, None).ok
    assert not episode.call(_sql("UPDATE a SET v = 9 WHERE id = 1", "UPDATE a SET v = 99"), {}, None).ok
    assert episode.rewind()  # after a rolled-back call the kept rows are still right
    assert _rows(episode.conn) == _initial_rows()
    assert episode.hash == content_hash(episode.conn, IMAGE.tables)
    episode.close()


def test_diff_before_values_are_read_again_after_a_write_outside_call() -> None:
    episode = Episode(IMAGE)
    assert episode.call(_sql("UPDATE a SET v = 7 WHERE id = 1"), {}, None).ok
    episode.conn.execute("UPDATE a SET v = 8 WHERE id = 1")  # behind the episode's back
    episode.hash = content_hash(episode.conn, IMAGE.tables)  # (what a restore would recompute)
    (change,) = episode.call(_sql("UPDATE a SET v = 9 WHERE id = 1"), {}, None).diff["a"]["updated"]
    assert (change["before"]["v"], change["after"]["v"]) == (8, 9)
    assert episode.hash == content_hash(episode.conn, IMAGE.tables)
    (change,) = episode.call(_sql("UPDATE a SET v = 10 WHERE id = 1"), {}, None).diff["a"]["updated"]
    assert (change["before"]["v"], change["after"]["v"]) == (9, 10)  # from the kept row, still right
    assert episode.hash == content_hash(episode.conn, IMAGE.tables)
    episode.close()


def test_a_row_written_again_reuses_nothing_stale_and_each_diff_owns_its_dicts() -> None:
    """Consecutive writes of one row: the previous diff's row (encoding, hash, dict) is reused as the
    next "before" — a no-op update, a storage-type change (1 → 1.0 is a change) and a blob stay exact."""
    episode = Episode(IMAGE)
    try:
        first = episode.call(_sql("UPDATE b SET w = 2 WHERE x = 'p'"), {}, None)
        assert first.diff["b"]["updated"] == [
            {"before": {"x": "p", "y": 1, "w": 0.5}, "after": {"x": "p", "y": 1, "w": 2.0}}
        ]
        same = episode.call(_sql("UPDATE b SET w = 2.0 WHERE x = 'p'"), {}, None)  # REAL column: still 2.0
        assert same.ok and same.diff == {}
        first.diff["b"]["updated"][0]["after"]["w"] = "edited by a caller"
        again = episode.call(_sql("UPDATE b SET w = w + 1 WHERE x = 'p'"), {}, None)
        assert again.diff["b"]["updated"] == [
            {"before": {"x": "p", "y": 1, "w": 2.0}, "after": {"x": "p", "y": 1, "w": 3.0}}
        ]
        episode.call(_sql("UPDATE a SET note = 1 WHERE id = 1"), {}, None)
        typed = episode.call(_sql("UPDATE a SET note = 1.0 WHERE id = 1"), {}, None)  # TEXT '1' → '1.0'
        assert typed.diff["a"]["updated"][0]["after"]["note"] == "1.0"
        blob = episode.call(_sql("UPDATE a SET blob = x'01' WHERE id = 1"), {}, None)
        assert blob.diff["a"]["updated"][0]["before"]["blob"] == "00ff"
        gone = episode.call(_sql("DELETE FROM a WHERE id = 1"), {}, None)
        assert gone.diff["a"]["deleted"] == [{"id": 1, "v": 1, "note": "1.0", "blob": "01"}]
        assert episode.hash == content_hash(episode.conn, IMAGE.tables)
    finally:
        episode.close()


def test_rewind_after_inserts_and_deletes_keeps_foreign_keys_and_prepared_statements() -> None:
    """The general rewind runs with foreign keys on, parents back before children, inserted rows last.

    Toggling ``PRAGMA foreign_keys`` would expire every prepared statement of the connection, so each
    episode would compile every tool statement again: the authorizer (called only while SQLite
    compiles a statement) must stay silent for a statement the connection has already run.
    """
    from pworlds.worlds.toolworld.guard import tool_authorizer

    compiled: list[int] = []

    def counting(action: int, *args: object) -> int:
        compiled.append(action)
        return tool_authorizer(action, *args)

    episode = Episode(IMAGE, authorizer=counting)
    edits = _sql(
        "DELETE FROM a WHERE id = 1",  # cascades to c1
        "INSERT INTO a (id, v) VALUES (7, 7)",
        "INSERT INTO c (a_id, label) VALUES (7, 'c7')",  # a child of an inserted parent
        "UPDATE c SET a_id = 7, label = 'c1' WHERE label = 'c3'",  # an image row pointing at it
    )
    for _ in range(3):
        assert episode.call(edits, {}, None).ok
        assert episode.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert episode.rewind()  # no fresh episode: the FK-friendly plan restored the image in place
        assert _rows(episode.conn) == _initial_rows()
        assert episode.hash == IMAGE.initial_hash == content_hash(episode.conn, IMAGE.tables)
        assert episode.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert episode.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    warm = len(compiled)
    assert episode.call(edits, {}, None).ok
    assert len(compiled) == warm, "statements were compiled again after a rewind"
    episode.close()


def test_rewind_that_cannot_restore_in_place_reports_it_and_changes_nothing() -> None:
    """UNIQUE codes swapped between two rows, one of them a RESTRICT parent: no update order works and
    the delete + insert fallback is refused too, so the rewind says no (the caller opens a fresh
    episode) and leaves the episode's data as it was."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(
        """
        CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
        CREATE TABLE r (id INTEGER PRIMARY KEY, u_id INTEGER NOT NULL REFERENCES u(id) ON DELETE RESTRICT);
        INSERT INTO u VALUES (1, 'A'), (2, 'B');
        INSERT INTO r VALUES (1, 1);
        """
    )
    image = image_from_connection(conn)
    episode = Episode(image)
    swap = _sql(
        "UPDATE u SET code = 'T' WHERE id = 1",
        "UPDATE u SET code = 'A' WHERE id = 2",
        "UPDATE u SET code = 'B' WHERE id = 1",
        "INSERT INTO r VALUES (2, 2)",  # an insert: not an update-only episode
    )
    assert episode.call(swap, {}, None).ok
    swapped = episode.conn.execute("SELECT id, code FROM u ORDER BY id").fetchall()
    assert [tuple(row) for row in swapped] == [(1, "B"), (2, "A")]
    assert not episode.rewind()
    assert [tuple(row) for row in episode.conn.execute("SELECT id, code FROM u ORDER BY id")] == [
        (1, "B"),
        (2, "A"),
    ]
    assert episode.conn.execute("SELECT count(*) FROM r").fetchone()[0] == 2
    assert episode.hash == content_hash(episode.conn, image.tables) != image.initial_hash
    episode.close()
