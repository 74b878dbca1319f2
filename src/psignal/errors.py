"""One exception hierarchy for every misuse of the library.

Invalid *actions* are not exceptions (they are ordinary steps with ``valid=False``). Exceptions are
for misuse: an unknown world or task, a corrupt file, stepping before ``reset`` or after the end.
Every message says what is wrong and what to do next; callers raise them ``from`` their cause.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PworldsError(Exception):
    """Base class: anything a user can cause and the CLI reports as one line."""

    #: CLI exit code for this kind of error (2 = usage error, 1 = runtime failure).
    exit_code: int = 1


class UsageError(PworldsError):
    """The caller asked for something that does not exist or cannot be done."""

    exit_code = 2


class UnknownWorldError(UsageError):
    """No world is registered under that name."""


class UnknownTaskError(UsageError):
    """The world has no task with that name."""


class ActionParseError(UsageError):
    """Text typed by a person could not be turned into an action."""


class EpisodeStateError(UsageError):
    """``step`` before ``reset``, or after the episode ended."""


class TaskDirError(PworldsError):
    """A task folder is missing, corrupt, locked or would be overwritten."""


class TraceError(PworldsError):
    """A trace file cannot be read (beyond a torn last line, which is only a warning)."""


class StateError(PworldsError):
    """A serialised world state cannot be restored."""


class ExportError(PworldsError):
    """An export or package could not be produced."""


class MissingExtraError(PworldsError):
    """An optional dependency is not installed; the message names the extra to install."""


def choices_hint(value: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? valid: a, b, c"`` for error messages."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}valid: {', '.join(options) if options else '(none)'}"


def require_extra(module: str, extra: str) -> None:
    """Fail with a one-line install hint when an optional dependency is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(f"{module} is not installed; run: pip install 'pworlds[{extra}]'")
