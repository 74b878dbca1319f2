"""Fixtures of the toolworld tests: the mini_shop env (a real env folder) and editable copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pworlds.worlds.toolworld import ToolWorld

FIXTURES = Path(__file__).parent / "fixtures"
MINI_SHOP = FIXTURES / "mini_shop"
AWM_SOURCE = FIXTURES / "awm"


@pytest.fixture
def mini_shop() -> Path:
    return MINI_SHOP


@pytest.fixture
def env_copy(tmp_path: Path) -> Callable[..., Path]:
    """A copy of mini_shop in tmp_path with some files replaced or edited: ``env_copy(**{"tools.py": text})``."""

    def make(**files: str) -> Path:
        dest = tmp_path / "mini_shop"
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(MINI_SHOP, dest)
        for name, text in files.items():
            (dest / name).write_text(text)
        return dest

    return make


@pytest.fixture
def world() -> ToolWorld:
    w = ToolWorld({"env": str(MINI_SHOP)})
    yield w
    w.close()


def add_tool(source: str) -> str:
    """mini_shop's tools.py with extra source appended."""
    return (MINI_SHOP / "tools.py").read_text() + "\n\n" + source
