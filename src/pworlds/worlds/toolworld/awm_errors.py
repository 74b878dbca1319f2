"""How AWM problems are reported: one line each, naming where the fault is.

An AWM dataset is generated text, so its errors (a bad JSONL row, an app traceback, a FastAPI validation
body) often span lines; both the import and the runtime fold them to one line before showing them.
"""

from __future__ import annotations

from psignal.errors import UsageError


class AWMImportError(UsageError):
    """The AWM source folder is missing files or has malformed rows."""


def one_line(text: object) -> str:
    """``text`` with its white space folded, so a multi-line message stays one line."""
    return " ".join(str(text).split())
