"""Shared fixtures. Tests use real files, real processes and the installed console script."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PYTHONHASHSEED", "0")
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def pworlds_exe() -> str:
    """The installed ``pworlds`` console script (what a user types)."""
    exe = VENV_BIN / "pworlds"
    if not exe.exists():
        pytest.skip("pworlds console script is not installed in this environment")
    return str(exe)
