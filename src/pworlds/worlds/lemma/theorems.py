"""The theorem library: YAML files of theorems with difficulty tags and reference tactic proofs.

Files are read in :data:`FILES` order. A theorem may use (``exact``, ``apply``, ``rw``, ``simp``) any
theorem *before* it, and only once that theorem's reference proof has been checked by the kernel — so the
library is a chain of kernel-checked lemmas with no circularity. Checking the whole chain takes well under
a second and happens once per process, on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from psignal.errors import PworldsError
from pworlds.worlds.lemma.parser import LemmaSyntaxError
from pworlds.worlds.lemma.prover import Prover, Statement, TacticError, parse_statement
from pworlds.worlds.lemma.syntax import Formula

FILES = ("propositional.yaml", "quantifiers.yaml", "equality.yaml", "arithmetic.yaml", "negative.yaml")
SIMP_LEMMAS = ("add_zero", "zero_add", "mul_zero", "zero_mul", "mul_one", "one_mul", "succ_add")
DIFFICULTIES = ("easy", "medium", "hard")


class LibraryError(PworldsError):
    """A library file is malformed or a reference proof does not check."""


@dataclass(frozen=True, slots=True)
class Theorem:
    name: str
    statement: Statement
    tags: tuple[str, ...]
    proof: tuple[str, ...]
    coq: str | None
    provable: bool
    source: str

    @property
    def difficulty(self) -> str:
        return next((t for t in self.tags if t in DIFFICULTIES), "medium")


def _load_file(name: str) -> list[Theorem]:
    text = resources.files("pworlds.worlds.lemma").joinpath("library", name).read_text(encoding="utf-8")
    return parse_library(text, name)


def load_user_file(path: Path) -> list[Theorem]:
    """A user's theorem file in the library format (raises :class:`LibraryError` with the entry at fault)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read ({exc.strerror})") from exc
    return parse_library(text, str(path))


def parse_library(text: str, name: str) -> list[Theorem]:
    try:
        rows = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        raise LibraryError(f"{name}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(rows, list):
        raise LibraryError(f"{name}: expected a list of theorems (- name: …, statement: …, proof: […])")
    out = []
    for i, row in enumerate(rows):
        where = f"{name} entry {i + 1}"
        if not isinstance(row, dict) or not {"name", "statement"} <= set(row):
            raise LibraryError(f"{where}: each theorem needs 'name' and 'statement'")
        unknown = set(row) - {"name", "statement", "tags", "proof", "coq", "provable"}
        if unknown:
            raise LibraryError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            stmt = parse_statement(str(row["statement"]))
        except LemmaSyntaxError as exc:
            raise LibraryError(f"{where} ({row['name']}): statement {exc}") from exc
        out.append(
            Theorem(
                name=str(row["name"]),
                statement=stmt,
                tags=tuple(row.get("tags") or ()),
                proof=tuple(row.get("proof") or ()),
                coq=row.get("coq"),
                provable=bool(row.get("provable", True)),
                source=name,
            )
        )
    return out


@functools.cache
def all_theorems() -> tuple[Theorem, ...]:
    """Every entry, including the unprovable negative controls (``provable: false``)."""
    seen: set[str] = set()
    out: list[Theorem] = []
    for f in FILES:
        for t in _load_file(f):
            if t.name in seen:
                raise LibraryError(f"{f}: duplicate theorem name {t.name!r}")
            seen.add(t.name)
            out.append(t)
    return tuple(out)


def theorems() -> tuple[Theorem, ...]:
    """The provable theorems, in dependency order."""
    return tuple(t for t in all_theorems() if t.provable)


def negative_controls() -> tuple[Theorem, ...]:
    return tuple(t for t in all_theorems() if not t.provable)


def replay(theorem: Theorem, lemmas: Mapping[str, Formula]) -> Prover:
    """Run the reference proof; raises :class:`LibraryError` naming the failing step."""
    prover = Prover(theorem.statement, lemmas)
    for i, tactic in enumerate(theorem.proof, 1):
        try:
            prover.step(tactic)
        except TacticError as exc:
            raise LibraryError(f"{theorem.name}: reference step {i} {tactic!r} failed: {exc}") from exc
    if not prover.done:
        raise LibraryError(f"{theorem.name}: reference proof leaves goals open:\n{prover.text()}")
    return prover


@functools.cache
def checked_lemmas() -> tuple[tuple[str, Formula], ...]:
    """(name, statement) of every theorem whose reference proof the kernel accepted, in library order."""
    out: list[tuple[str, Formula]] = []
    env: dict[str, Formula] = {}
    for t in theorems():
        replay(t, dict(env))
        env[t.name] = t.statement.closed
        out.append((t.name, t.statement.closed))
    return tuple(out)


def lemmas_before(name: str | None) -> dict[str, Formula]:
    """Lemmas a proof of ``name`` may use: the checked theorems before it (all of them for custom ones)."""
    out: dict[str, Formula] = {}
    for n, f in checked_lemmas():
        if n == name:
            break
        out[n] = f
    return out


def check_user_theorems(theorems: list[Theorem]) -> dict[str, str | None]:
    """Replay each user theorem's proof with the whole library (and the user theorems before it) available:
    name -> None when the kernel accepted it, else the failure."""
    env = lemmas_before(None)
    results: dict[str, str | None] = {}
    for t in theorems:
        if t.name in env:
            results[t.name] = f"name {t.name!r} is already a library theorem; rename it"
            continue
        try:
            replay(t, dict(env))
        except LibraryError as exc:
            results[t.name] = str(exc)
            continue
        results[t.name] = None
        env[t.name] = t.statement.closed
    return results


def by_name() -> dict[str, Theorem]:
    return {t.name: t for t in theorems()}
