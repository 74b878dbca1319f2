"""AWM OpenAPI fallback: a scenario without a gen_spec row gets its tools from the app's own OpenAPI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pworlds.worlds.toolworld import ToolWorld
from pworlds.worlds.toolworld.awm import SPEC_FILE, import_awm
from pworlds.worlds.toolworld.awm_openapi import (
    OpenAPIError,
    spec_from_openapi,
    tool_name,
    tools_from_spec,
)
from pworlds.worlds.toolworld.loader import load_env
from pworlds.worlds.toolworld.validate import check_env

from .conftest import AWM_SOURCE

MCP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The library_loans fixture imported twice: with its gen_spec row, and with gen_spec.jsonl removed."""
    root = tmp_path_factory.mktemp("awm_openapi")
    src = root / "src"
    shutil.copytree(AWM_SOURCE, src)
    (src / "gen_spec.jsonl").unlink()
    (with_spec,) = import_awm(AWM_SOURCE, root / "spec")
    (from_app,) = import_awm(src, root / "openapi")
    return with_spec, from_app


def _shape(schema: dict[str, Any]) -> dict[str, Any]:
    """Names, required set and value types of a tool's parameters (descriptions aside)."""

    def kind(prop: dict[str, Any]) -> Any:
        alts = prop.get("anyOf") or [prop]
        return sorted(a.get("type", "?") for a in alts if a.get("type") != "null")

    return {
        "required": sorted(schema.get("required", [])),
        "types": {k: kind(v) for k, v in schema.get("properties", {}).items()},
    }


def test_without_gen_spec_the_import_writes_a_spec_read_from_openapi(both: tuple[Path, Path]) -> None:
    _, from_app = both
    spec = json.loads((from_app / SPEC_FILE).read_text())
    assert spec["source"] == "openapi"
    endpoints = [e for g in spec["api_groups"] for e in g["endpoints"]]
    assert [(e["method"], e["path"]) for e in endpoints] == [
        ("GET", "/api/books"),
        ("GET", "/api/members"),
        ("POST", "/api/loans"),
        ("POST", "/api/loans/{loan_id}/return"),
    ]
    borrow = endpoints[2]["request_params"]
    assert {k: (v["param_type"], v["required"]) for k, v in borrow.items()} == {
        "member_id": ("body", True),  # from the $ref'd BorrowRequest body model
        "book_id": ("body", True),
    }


def test_openapi_tools_are_equivalent_to_gen_spec_tools(both: tuple[Path, Path]) -> None:
    with_spec, from_app = (load_env(p) for p in both)
    assert list(from_app.tools) == list(with_spec.tools)
    for name, tool in with_spec.tools.items():
        assert _shape(dict(from_app.tools[name].spec.parameters)) == _shape(dict(tool.spec.parameters)), name
    report = check_env(both[1])
    assert report.ok, report.problems


def test_openapi_tools_run_and_the_reference_solution_passes(both: tuple[Path, Path]) -> None:
    world = ToolWorld({"env": str(both[1])})
    world.reset(task="task_0")
    members = world.step({"name": "find_members", "arguments": {"name": "Ana"}})
    assert members.observation["result"] == [{"id": 1, "name": "Ana Lima"}]
    books = world.step({"name": "list_books", "arguments": {"available_only": True}}).observation["result"]
    assert [b["title"] for b in books] == ["Dune", "Ubik"]  # a boolean query parameter reaches the app typed
    assert world.step({"name": "borrow_book", "arguments": {"member_id": 1, "book_id": 1}}).valid
    result = world.step({"name": "finish", "arguments": {}})
    assert result.reward == 1.0 and result.info["verdict"]["status"] == "pass"
    world.reset(task="task_0")
    assert world.step({"name": "finish", "arguments": {}}).reward == 0.0
    world.close()


def test_an_imported_folder_without_its_spec_file_derives_tools_at_load(
    both: tuple[Path, Path], tmp_path: Path
) -> None:
    env = tmp_path / "library_loans"
    shutil.copytree(both[0], env)
    (env / SPEC_FILE).unlink()
    assert list(load_env(env).tools) == ["list_books", "find_members", "borrow_book", "return_book"]


# ----------------------------------------------------------------------------- the conversion itself
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/api/items/{item_id}": {
            "parameters": [{"name": "item_id", "in": "path", "schema": {"type": "integer"}}],
            "get": {
                "operationId": "get item!",
                "parameters": [
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                ],
            },
            "put": {
                "operationId": "finish",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                },
            },
        },
        "/api/items": {
            "get": {
                "operationId": "get item!",
                "tags": ["items"],
                "parameters": [
                    {
                        "name": "kind",
                        "in": "query",
                        "schema": {"anyOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "null"}]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "maximum": 50, "default": 10},
                    },
                    {"name": "json", "in": "query", "schema": {"type": "boolean"}},
                ],
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
                        }
                    }
                }
            },
        },
    },
    "components": {
        "schemas": {
            "Kind": {"type": "string", "enum": ["tool", "part"]},
            "Item": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "kind": {"$ref": "#/components/schemas/Kind"},
                },
            },
        }
    },
}


def _tools() -> dict[str, Any]:
    return tools_from_spec(lambda *a, **k: None, spec_from_openapi(DOCUMENT))


def test_tool_names_are_valid_unique_and_never_finish() -> None:
    # grouped by first tag ("default" first, as written), names de-duplicated in that order
    assert list(_tools()) == ["get_item", "finish_2", "post_api_items", "get_item_2"]


def test_parameters_are_typed_from_the_schema_with_refs_resolved() -> None:
    tools = _tools()
    put = tools["finish_2"].spec
    assert put.parameters["required"] == ["item_id", "name"]
    props = put.parameters["properties"]
    assert props["tags"]["anyOf"][0] == {"items": {"type": "string"}, "type": "array"}
    assert props["kind"]["anyOf"][0] == {"enum": ["tool", "part"], "type": "string"}
    with pytest.raises(ValueError, match="name"):
        put.validate({"item_id": 1, "name": ""})  # minLength from the schema
    with pytest.raises(ValueError, match="kind"):
        put.validate({"item_id": 1, "name": "saw", "kind": "robot"})
    listing = tools["get_item_2"].spec
    assert "default 10" in listing.parameters["properties"]["limit"]["description"]
    with pytest.raises(ValueError, match="limit"):
        listing.validate({"limit": 51})
    assert listing.validate({"json": True}) == {"kind": None, "limit": None, "arg_json": True}
    header = tools["get_item"].spec.parameters
    assert set(header["properties"]) == {"item_id", "X_Trace"} and "session" not in header["properties"]
    whole = tools["post_api_items"].spec.parameters["properties"]["body"]
    assert whole["anyOf"][0]["type"] == "array"


def test_openapi_errors_name_the_endpoint() -> None:
    with pytest.raises(OpenAPIError, match="no 'paths'"):
        spec_from_openapi({"openapi": "3.1.0"})
    form = {"paths": {"/up": {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": {}}}}}}}}
    with pytest.raises(OpenAPIError, match=r"POST /up: request body types \['multipart/form-data'\]"):
        spec_from_openapi(form)
    dangling = {"paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}]}}}}
    with pytest.raises(OpenAPIError, match="points nowhere"):
        spec_from_openapi(dangling)


@given(st.lists(st.text(max_size=80), max_size=20))
def test_tool_name_always_gives_distinct_valid_mcp_names(raws: list[str]) -> None:
    taken: set[str] = set()
    names = [tool_name(raw, taken) for raw in raws]
    assert all(MCP_NAME.match(n) and n[0].isalpha() and n != "finish" for n in names)
    assert len(set(names)) == len(names)
