"""The untrusted-code guard: every forbidden construct is rejected before loading, with its line;
and at run time the SQLite authorizer and time limits hold against hostile tools and verifiers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pworlds.worlds.toolworld import ToolWorld
from pworlds.worlds.toolworld.guard import GuardError, check_source, load_module

from .conftest import add_tool

HOSTILE = {
    "import os": "import os\n",
    "import subprocess": "import subprocess\n",
    "from socket": "from socket import socket\n",
    "import pathlib": "import pathlib\n",
    "exec": "def f(conn):\n    exec('1')\n",
    "eval": "def f(conn):\n    return eval('1')\n",
    "open": "def f(conn):\n    return open('/etc/passwd').read()\n",
    "__import__": "def f(conn):\n    return __import__('os')\n",
    "dunder attribute": "def f(conn):\n    return ().__class__.__bases__\n",
    "getattr": "def f(conn):\n    return getattr(conn, 'close')\n",
    "globals": "def f(conn):\n    return globals()\n",
    "compile": "def f(conn):\n    return compile('1', 'x', 'eval')\n",
    "relative import": "from . import x\n",
    "module-level call": "import json\nprint('hi')\n",
    "decorator": "import functools\n@functools.lru_cache\ndef f(conn):\n    return 1\n",
    "connection escape": "def f(conn):\n    conn.enable_load_extension(True)\n",
    "commit": "def f(conn):\n    conn.commit()\n",
    "sqlite3.connect": "import sqlite3\ndef f(conn):\n    return sqlite3.connect('/tmp/x.db')\n",
    "from sqlite3 import connect": "from sqlite3 import connect\n",
    "sqlite3.Connection()": "import sqlite3\ndef f(conn):\n    return sqlite3.Connection('/tmp/x.db')\n",
    "dunder string": "def f(conn):\n    return '__globals__'\n",
    "format string attribute": "def f(conn, g):\n    return '{0.__globals__}'.format(g)\n",
    "format_map": "def f(conn, g):\n    return '{x}'.format_map(g)\n",
    "class with dunder": "def f(conn):\n    class A:\n        def __init__(self):\n            pass\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_source_is_rejected_with_its_line(name: str) -> None:
    source = HOSTILE[name]
    problems = check_source(source, "tools.py")
    assert problems, f"{name} was accepted"
    assert all(p.file == "tools.py" and p.line >= 1 for p in problems)
    with pytest.raises(GuardError):
        load_module(source, "tools.py", "hostile")


def test_allowed_code_loads_and_runs() -> None:
    source = textwrap.dedent(
        """
        import json
        import re
        from collections import Counter

        LIMIT = 3

        def words(conn, text: str) -> str:
            return json.dumps(Counter(re.findall(r"\\w+", text)).most_common(LIMIT))
        """
    )
    assert check_source(source, "tools.py") == []
    module = load_module(source, "tools.py", "ok_module")
    assert json_loads(module.words(None, "a b a")) == [["a", 2], ["b", 1]]


def json_loads(text: str) -> object:
    import json

    return json.loads(text)


def test_restricted_builtins_block_runtime_import_even_if_ast_is_fooled() -> None:
    module = load_module("def f():\n    return 1\n", "tools.py", "m")
    assert "open" not in module.__dict__["__builtins__"]
    assert "eval" not in module.__dict__["__builtins__"]


HOSTILE_SQL = {
    "attach": "conn.execute(\"ATTACH DATABASE '/tmp/pw_evil.db' AS evil\")",
    "load_extension": "conn.execute(\"SELECT load_extension('/tmp/evil.so')\")",
    "pragma write": 'conn.execute("PRAGMA foreign_keys = OFF")',
    "ddl": 'conn.execute("DROP TABLE orders")',
    "create table": 'conn.execute("CREATE TABLE evil (x)")',
    "vacuum into a file": "conn.execute(\"VACUUM INTO '/tmp/pw_evil_copy.db'\")",
    "commit via SQL": 'conn.execute("UPDATE products SET stock = 0")\n    conn.execute("COMMIT")',
    "release a guessed savepoint": 'conn.execute("UPDATE products SET stock = 0")\n    conn.execute("RELEASE pw_call")',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SQL))
def test_authorizer_denies_escaping_sql(name: str, env_copy) -> None:
    tool = f'def evil(conn: sqlite3.Connection) -> int:\n    """Do harm."""\n    {HOSTILE_SQL[name]}\n    return 1\n'
    world = ToolWorld({"env": str(env_copy(**{"tools.py": add_tool(tool)}))})
    world.reset(task="mug_stock")
    before = world.state()
    result = world.step({"name": "evil", "arguments": {}})
    assert not result.valid
    assert any(
        word in result.observation["error"] for word in ("not authorized", "forbidden", "cannot VACUUM")
    )
    assert not Path("/tmp/pw_evil_copy.db").exists()
    assert world.state()["world"]["db_hash"] == before["world"]["db_hash"]
    world.close()


def test_python_infinite_loop_times_out_and_rolls_back(env_copy) -> None:
    tool = (
        "def spin(conn: sqlite3.Connection) -> int:\n"
        '    """Write, then loop forever."""\n'
        '    conn.execute("UPDATE products SET stock = 0")\n'
        "    while True:\n"
        "        pass\n"
    )
    world = ToolWorld({"env": str(env_copy(**{"tools.py": add_tool(tool)})), "tool_timeout_s": 0.2})
    world.reset(task="mug_stock")
    h = world.state()["world"]["db_hash"]
    result = world.step({"name": "spin", "arguments": {}})
    assert not result.valid and "timed out" in result.observation["error"]
    assert world.state()["world"]["db_hash"] == h
    assert world.step({"name": "stock_of", "arguments": {"product_name": "Mug"}}).observation["result"] == 3
    world.close()


def test_runaway_sql_is_interrupted(env_copy) -> None:
    tool = (
        "def count_forever(conn: sqlite3.Connection) -> int:\n"
        '    """A query that never ends."""\n'
        '    sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"\n'
        "    return conn.execute(sql).fetchone()[0]\n"
    )
    world = ToolWorld({"env": str(env_copy(**{"tools.py": add_tool(tool)})), "tool_timeout_s": 0.2})
    world.reset(task="mug_stock")
    result = world.step({"name": "count_forever", "arguments": {}})
    assert not result.valid and "timed out" in result.observation["error"]
    world.close()


def test_verifier_cannot_write(env_copy) -> None:
    verify = (env_copy().joinpath("verify.py").read_text()).replace(
        "    expected = str(_stock(initial)[2])",
        '    final.execute("DELETE FROM orders")\n    expected = str(_stock(initial)[2])',
    )
    world = ToolWorld({"env": str(env_copy(**{"verify.py": verify}))})
    world.reset(task="mug_stock")
    result = world.step({"name": "finish", "arguments": {"answer": "3"}})
    assert result.info["verdict"]["status"] == "verifier_error"
    assert result.reward == 0.0
    world.close()
