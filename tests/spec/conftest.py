"""Fixtures for the pspec tests: worlds built from inline templates (real pytest runs, no mocks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from pworlds.worlds.spec import SpecWorld

MakeWorld = Callable[..., SpecWorld]


def inline_template(
    source: str,
    tests: str,
    *,
    fail_to_pass: list[str],
    pass_to_pass: list[str] | None = None,
    fix: str | None = None,
    module: str = "mod",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """A custom task as ``template_files``: one module, one test file, optional fix."""
    spec = {
        "name": "custom",
        "description": "make the tests pass",
        "fail_to_pass": fail_to_pass,
        "pass_to_pass": pass_to_pass or [],
    }
    files = {
        "task.yaml": yaml.safe_dump(spec),
        f"workspace/{module}.py": source,
        f"workspace/tests/test_{module}.py": tests,
    }
    if fix is not None:
        files[f"fix/{module}.py"] = fix
    files.update(extra or {})
    return files


@pytest.fixture
def make_world() -> Iterator[MakeWorld]:
    """Build reset SpecWorlds from inline sources; all are closed at the end of the test."""
    made: list[SpecWorld] = []

    def build(source: str, tests: str, *, timeout_s: float = 10.0, warm: bool = True, **kw: Any) -> SpecWorld:
        files = inline_template(source, tests, **kw)
        world = SpecWorld({"template_files": files, "timeout_s": timeout_s, "warm": warm})
        world.reset()
        made.append(world)
        return world

    yield build
    for world in made:
        world.close()


@pytest.fixture
def fizzbuzz() -> Iterator[SpecWorld]:
    world = SpecWorld()
    world.reset(task="fizzbuzz")
    yield world
    world.close()
