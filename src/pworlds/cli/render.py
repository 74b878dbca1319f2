"""Turning typed input into actions and results into tables, for the CLI only."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from psignal.errors import PworldsError, UsageError, choices_hint
from psignal.registry import world_class, world_names
from psignal.world import Action, StepResult, World
from pworlds.cli.options import parse_json_object, parse_pairs


def world_catalog() -> list[dict[str, Any]]:
    """Every registered world with its tasks; a world that needs configuration says so instead."""
    catalog = []
    for name in world_names():
        entry: dict[str, Any] = {"world": name, "tasks": []}
        try:
            cls = world_class(name)
            entry["version"] = cls.version
            world = cls(None)
            entry["tasks"] = list(world.tasks())
            world.close()
        except PworldsError as exc:
            entry["note"] = str(exc).splitlines()[0][:100]
        except ImportError as exc:
            entry["note"] = f"cannot load: {exc}"
        catalog.append(entry)
    return catalog


def build_action(world: World, words: Sequence[str], pairs: Sequence[str], args_json: str | None) -> Action:
    """``+1`` / ``intro h`` through ``parse_action``; ``TOOL --arg k=v`` / ``--args JSON`` as a tool call.

    ``--arg`` values are read as JSON unless the tool's schema says the parameter is a string.
    """
    text = " ".join(words).strip()
    if not text:
        raise UsageError("no action given; see the actions in the folder's README.md")
    if not pairs and args_json is None:
        return world.parse_action(text)
    specs = {s.name: s for s in world.actions()}
    if text not in specs:
        raise UsageError(f"unknown tool {text!r}; {choices_hint(text, specs)}")
    properties: Mapping[str, Any] = specs[text].parameters.get("properties", {})
    arguments = parse_json_object(args_json, "--args") if args_json is not None else {}
    text_keys = {k for k, schema in properties.items() if _is_text(schema)}
    arguments.update(parse_pairs(pairs, "--arg", text_keys=text_keys))
    return {"name": text, "arguments": arguments}


def _is_text(schema: Mapping[str, Any]) -> bool:
    """A parameter whose only non-null JSON type is string (``str`` or ``str | None``)."""
    types = {schema.get("type"), *(option.get("type") for option in schema.get("anyOf", ()))}
    return types - {None, "null"} == {"string"}


def print_step(console: Any, action: Action, result: StepResult, return_so_far: float) -> None:
    args = json.dumps(action["arguments"], ensure_ascii=False) if action["arguments"] else ""
    flags = "terminated" if result.terminated else "truncated" if result.truncated else ""
    validity = "" if result.valid else "INVALID "
    console.print(
        f"{validity}{action['name']} {args} → reward {result.reward:+.4g} (return {return_so_far:.4g}) {flags}".rstrip(),
        markup=False,
        highlight=False,
    )
    console.print(result.observation.get("text", ""), markup=False, highlight=False)


def trace_table(events: Sequence[Mapping[str, Any]]) -> Any:
    from rich.table import Table

    table = Table("#", "kind", "action", "valid", "reward", "flags", "observation", "state")
    for n, e in enumerate(events, start=1):
        obs = str((e.get("observation") or {}).get("text", ""))
        short_obs = obs.replace("\n", " ⏎ ")[:60]
        if e["kind"] == "step":
            action = e["action"]
            args = json.dumps(action.get("arguments") or {}, ensure_ascii=False)
            label = action["name"] + ("" if args == "{}" else f" {args[:40]}")
            flags = "T" if e["terminated"] else "t" if e["truncated"] else ""
            table.add_row(
                str(n),
                "step",
                label,
                "✓" if e["valid"] else "✗",
                f"{e['reward']:+.4g}",
                flags,
                short_obs,
                e["state_hash"][:10],
            )
        elif e["kind"] in ("start", "reset"):
            table.add_row(
                str(n),
                e["kind"],
                f"task={e['task']} seed={e['seed']}",
                "",
                "",
                "",
                short_obs,
                e["state_hash"][:10],
            )
        else:
            table.add_row(str(n), "end", e["reason"], "", f"{e['return']:.4g}", "", "", "")
    return table
