"""Shipped toolworld environments: one folder per env id."""

from __future__ import annotations

from pathlib import Path

ENVS_ROOT = Path(__file__).resolve().parent


def shipped_env_dirs() -> dict[str, Path]:
    """``{env_id: folder}`` for every shipped env (a folder with an env.yaml), sorted by id."""
    return {p.name: p for p in sorted(ENVS_ROOT.iterdir()) if p.is_dir() and (p / "env.yaml").is_file()}
