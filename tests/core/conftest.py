from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from psignal.taskdir import TaskDir


@pytest.fixture
def counter_dir(tmp_path: Path) -> Callable[..., TaskDir]:
    """Create a counter task folder and apply actions; returns the open TaskDir (closed at teardown)."""
    opened: list[TaskDir] = []

    def make(*actions: str, name: str = "task", **kw: object) -> TaskDir:
        td = TaskDir.create(tmp_path / name, "counter", **kw)  # type: ignore[arg-type]
        opened.append(td)
        for action in actions:
            td.step(action)
        return td

    yield make
    for td in opened:
        td.close()
