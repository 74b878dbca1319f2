"""The agent tools of pspec: what an agent (over MCP, the Python API or the CLI) can do to a workspace.

Only ``run_tests`` is graded; the file tools are recorded with diffs so exports show the edits that
led to a fix. Argument models forbid unknown keys, so a misspelt argument is an invalid action.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from psignal.world import ActionSpec


class _PathArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="Path relative to the workspace, e.g. 'fizzbuzz.py'.")


class _WriteArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="Source file relative to the workspace (tests are read-only).")
    content: str = Field(description="The complete new content of the file.")


class _ReplaceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="Source file relative to the workspace (tests are read-only).")
    old: str = Field(min_length=1, description="Exact text to replace; it must occur exactly once.")
    new: str = Field(description="Replacement text.")


class _NoArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


ACTIONS = [
    ActionSpec.from_model(
        "run_tests", "Run the task's tests on the current workspace (the graded action).", _NoArgs
    ),
    ActionSpec.from_model("list_files", "List the workspace files (source and read-only tests).", _NoArgs),
    ActionSpec.from_model("read_file", "Read one workspace file.", _PathArgs),
    ActionSpec.from_model("write_file", "Create or overwrite a source file.", _WriteArgs),
    ActionSpec.from_model(
        "replace_in_file", "Replace one exact occurrence of text in a source file.", _ReplaceArgs
    ),
]
ALIASES = {
    "run-tests": "run_tests",
    "list-files": "list_files",
    "read-file": "read_file",
    "ls": "list_files",
}


def replacer(old: str, new: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        count = text.count(old)
        if count != 1:
            raise ValueError(f"the old text occurs {count} times; it must occur exactly once (add context)")
        return text.replace(old, new)

    return apply
