"""AWM endpoints → tool definitions, from ``gen_spec`` rows or, when a scenario has none, from the app's OpenAPI.

Both sources end in one shape — the ``gen_spec`` ``api_spec`` (``api_groups[].endpoints[]`` with
``operation_id``, ``path``, ``method``, ``summary``, ``description`` and ``request_params`` mapping a parameter
to ``type`` / ``param_type`` (path, query, header, body) / ``required`` / ``description``) — so the runtime
builds tools one way. Endpoints read from OpenAPI also carry each parameter's resolved JSON ``schema`` (types
of list items, enums, nested objects) and, where the wire name is not a usable argument name, ``wire_name``.

Tool names are stable (same app → same names, in route order) and valid MCP tool names
(``[A-Za-z0-9_-]{1,64}``): an explicit FastAPI ``operation_id`` is kept; FastAPI's generated ids
(``list_books_api_books_get``) give way to the endpoint function's name when that name is unique.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel

from pworlds.worlds.toolworld.tools import FINISH, ToolDef

_METHODS = ("get", "post", "put", "patch", "delete")
_TYPES: dict[str, Any] = {
    "string": str, "str": str, "integer": int, "int": int, "number": float, "float": float,
    "boolean": bool, "bool": bool, "array": list, "list": list, "object": dict, "dict": dict,
}  # fmt: skip
_NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_DEPTH = 8
_RESERVED = frozenset(n for n in dir(BaseModel) if not n.startswith("_"))

Request = Callable[..., Any]
"""``request(conn, method, path, **httpx_kwargs) -> body``; raises ``ValueError`` for HTTP status ≥ 400."""


class OpenAPIError(ValueError):
    """The app's OpenAPI document cannot be turned into tools (message names the path and method)."""


# ----------------------------------------------------------------------------- names
def tool_name(raw: str, taken: set[str]) -> str:
    """A valid, unused MCP tool name for ``raw`` (sanitised, at most 64 characters, de-duplicated)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", raw).strip("_-") or "endpoint"
    if not name[0].isalpha():
        name = f"op_{name}"
    name = name[:64]
    base, n = name, 2
    while name in taken or name == FINISH:
        suffix = f"_{n}"
        name = base[: 64 - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def route_names(app: Any) -> dict[tuple[str, str], str]:
    """(path, METHOD) → preferred raw tool name: explicit operation_id, else the unique function name."""
    routes = [r for r in getattr(app, "routes", []) if hasattr(r, "methods") and hasattr(r, "endpoint")]
    counts: dict[str, int] = {}
    for route in routes:
        counts[route.name] = counts.get(route.name, 0) + len(route.methods)
    names: dict[tuple[str, str], str] = {}
    for route in routes:
        for method in route.methods:
            explicit = getattr(route, "operation_id", None)
            if explicit:
                names[(route.path_format, method.upper())] = explicit
            elif counts[route.name] == 1:
                names[(route.path_format, method.upper())] = route.name
    return names


# ----------------------------------------------------------------------------- OpenAPI → api_spec
class _Resolver:
    """Inlines ``$ref`` into ``#/components/...`` (bounded depth: recursive models end as plain objects)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def ref(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            raise OpenAPIError(f"external $ref {ref!r} is not supported")
        node: Any = self.document
        for part in ref[2:].split("/"):
            if not isinstance(node, Mapping) or part not in node:
                raise OpenAPIError(f"$ref {ref!r} points nowhere")
            node = node[part]
        return dict(node)

    def schema(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        if not isinstance(schema, Mapping):
            return {}
        if depth > _MAX_DEPTH:
            return {"type": "object"}
        if "$ref" in schema:
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            return {**self.schema(self.ref(schema["$ref"]), depth + 1), **extra}
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key in ("properties", "$defs") and isinstance(value, Mapping):
                out[key] = {k: self.schema(v, depth + 1) for k, v in value.items()}
            elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
                out[key] = self.schema(value, depth + 1)
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                out[key] = [self.schema(v, depth + 1) for v in value]
            elif key not in ("title", "examples", "example"):
                out[key] = value
        if "allOf" in out and len(out["allOf"]) == 1:
            merged = {**out.pop("allOf")[0], **out}
            out = merged
        return out


def _type_word(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    for alt in schema.get("anyOf") or schema.get("oneOf") or []:
        if isinstance(alt, Mapping) and alt.get("type") not in (None, "null"):
            return str(alt["type"])
    return "string"


def spec_from_openapi(
    document: Mapping[str, Any], names: Mapping[tuple[str, str], str] | None = None
) -> dict:
    """The ``api_spec`` (gen_spec shape) of an OpenAPI 3 document; ``names`` from ``route_names(app)``."""
    if not isinstance(document.get("paths"), Mapping):
        raise OpenAPIError("the OpenAPI document has no 'paths'")
    resolver = _Resolver(document)
    groups: dict[str, list[dict[str, Any]]] = {}
    taken: set[str] = set()
    for path, item in document["paths"].items():
        if not isinstance(item, Mapping):
            continue
        shared = list(item.get("parameters") or [])
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            where = f"{method.upper()} {path}"
            raw = (names or {}).get((path, method.upper())) or op.get("operationId")
            raw = raw or "_".join([method, *re.findall(r"[A-Za-z0-9]+", path)])
            endpoint = {
                "operation_id": tool_name(str(raw), taken),
                "path": path,
                "method": method.upper(),
                "summary": op.get("summary") or str(raw),
                "description": (op.get("description") or "").strip(),
                "request_params": _params(resolver, shared + list(op.get("parameters") or []), op, where),
            }
            tags = op.get("tags") or ["default"]
            groups.setdefault(str(tags[0]), []).append(endpoint)
    return {
        "source": "openapi",
        "api_groups": [{"group_name": g, "endpoints": eps} for g, eps in groups.items()],
    }


def _params(
    resolver: _Resolver, parameters: list[Any], op: Mapping[str, Any], where: str
) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}

    def add(
        name: str, location: str, schema: dict[str, Any], required: bool, description: str | None
    ) -> None:
        arg = name if _NAME_OK.match(name) and not name.startswith("_") else re.sub(r"\W+", "_", name)
        arg = arg.strip("_") or "value"
        while arg in params:
            arg = f"{location}_{arg}"
        text = description or schema.get("description")
        if not required and schema.get("default") is not None:
            default = json.dumps(schema["default"])
            text = f"{text} (default {default})" if text else f"default {default}"
        entry: dict[str, Any] = {"type": _type_word(schema), "param_type": location, "required": required}
        if text:
            entry["description"] = text
        entry["schema"] = schema
        if arg != name:
            entry["wire_name"] = name
        params[arg] = entry

    for param in parameters:
        param = resolver.schema(param) if isinstance(param, Mapping) and "$ref" in param else param
        if not isinstance(param, Mapping) or "name" not in param:
            raise OpenAPIError(f"{where}: a parameter without a name")
        location = param.get("in", "query")
        if location == "cookie":
            continue
        add(
            str(param["name"]),
            str(location),
            resolver.schema(param.get("schema")),
            bool(param.get("required")) or location == "path",
            param.get("description"),
        )
    body = op.get("requestBody")
    if isinstance(body, Mapping):
        body = resolver.ref(body["$ref"]) if "$ref" in body else body
        content = body.get("content") or {}
        media = content.get("application/json")
        if media is None and content:
            raise OpenAPIError(
                f"{where}: request body types {sorted(content)} are not supported (only application/json)"
            )
        schema = resolver.schema((media or {}).get("schema"))
        if schema.get("type") == "object" and isinstance(schema.get("properties"), Mapping):
            required = set(schema.get("required") or [])
            for name, prop in schema["properties"].items():
                add(name, "body", prop, name in required, prop.get("description"))
        elif media is not None:
            add("body", "json", schema, bool(body.get("required")), body.get("description"))
    return params


# ----------------------------------------------------------------------------- api_spec → tools
def _python_type(schema: Mapping[str, Any], word: str) -> Any:
    """A pydantic-friendly annotation for a (resolved) JSON schema; falls back to the gen_spec type word."""
    if not schema:
        return _TYPES.get(word.lower().split("[")[0].strip(), str)
    if schema.get("enum"):
        return Literal[tuple(schema["enum"])]  # type: ignore[valid-type]
    alts = schema.get("anyOf") or schema.get("oneOf")
    if alts:
        kinds = [a for a in alts if isinstance(a, Mapping) and a.get("type") != "null"]
        if len(kinds) == 1:
            inner = _python_type(kinds[0], "string")
            return inner | None if len(kinds) < len(alts) else inner
        return Any
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return list[_python_type(items, "string")] if isinstance(items, Mapping) and items else list  # type: ignore[misc]
    if kind == "object":
        return dict[str, Any]
    if isinstance(kind, str):
        return _TYPES.get(kind, Any)
    return Any


_CONSTRAINTS = {
    "minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt",
    "minLength": "min_length", "maxLength": "max_length", "pattern": "pattern",
}  # fmt: skip


def _constraints(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Field limits the server would enforce anyway (FastAPI answers 422), checked before the call instead."""
    found = [schema] + [a for a in schema.get("anyOf") or [] if isinstance(a, Mapping)]
    limits = {}
    for node in found:
        for key, kw in _CONSTRAINTS.items():
            if isinstance(node.get(key), int | float | str) and not isinstance(node.get(key), bool):
                limits[kw] = node[key]
    return limits


def endpoint_tool(request: Request, endpoint: Mapping[str, Any], name: str) -> ToolDef:
    """One tool calling ``endpoint`` through ``request``; arguments typed and validated by a pydantic model."""
    import sqlite3

    from pydantic import ConfigDict, Field, create_model

    from psignal.world import ActionSpec

    params: dict[str, dict[str, Any]] = dict(endpoint.get("request_params") or {})
    internal: dict[str, str] = {}  # pydantic field name → argument name (differ for names BaseModel owns)

    def build(with_limits: bool) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        for pname, pspec in params.items():
            kind = _python_type(pspec.get("schema") or {}, str(pspec.get("type", "string")))
            field = pname if pname not in _RESERVED and not pname.startswith("model_") else f"arg_{pname}"
            internal[field] = pname
            opts: dict[str, Any] = {"description": pspec.get("description")}
            if with_limits:
                opts.update(_constraints(pspec.get("schema") or {}))
            if field != pname:
                opts["alias"] = pname
            if pspec.get("required"):
                fields[field] = (kind, Field(..., **opts))
            else:
                fields[field] = (kind | None, Field(None, **opts))
        config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())
        model = create_model(f"{name}_arguments", __config__=config, **fields)  # type: ignore[call-overload]
        model.model_json_schema()  # limits that do not fit the type fail here, not on the first call
        return model

    try:
        model = build(with_limits=True)
    except Exception:  # e.g. a 'minimum' on a string: leave such checks to the server
        model = build(with_limits=False)
    summary = endpoint.get("summary") or name
    description = endpoint.get("description")
    text = f"{summary}. {description}" if description and description != summary else str(summary)
    method, path_template = str(endpoint.get("method", "GET")).upper(), str(endpoint["path"])

    def call(conn: sqlite3.Connection, **arguments: Any) -> Any:
        path, query, headers, body = path_template, {}, {}, {}
        whole: Any = None
        for key, value in arguments.items():
            if value is None:
                continue
            pspec = params.get(internal.get(key, key)) or {}
            wire = pspec.get("wire_name", internal.get(key, key))
            where = pspec.get("param_type", "query")
            if where == "path":
                path = path.replace("{" + wire + "}", str(value))
            elif where == "body":
                body[wire] = value
            elif where == "json":
                whole = value
            elif where == "header":
                headers[wire] = str(value)
            else:
                query[wire] = value
        kwargs: dict[str, Any] = {"params": query} if query else {}
        if headers:
            kwargs["headers"] = headers
        if whole is not None:
            kwargs["json"] = whole
        elif body or method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = body
        return request(conn, method, path, **kwargs)

    call.__name__ = name
    return ToolDef(name, call, ActionSpec.from_model(name, text, model))


def tools_from_spec(request: Request, spec: Mapping[str, Any]) -> dict[str, ToolDef]:
    """Tools of every endpoint of an ``api_spec`` (names made valid and unique in order)."""
    tools: dict[str, ToolDef] = {}
    taken: set[str] = set()
    for group in spec.get("api_groups") or []:
        for endpoint in group.get("endpoints") or []:
            if endpoint.get("operation_id") and endpoint.get("path"):
                name = tool_name(str(endpoint["operation_id"]), taken)
                tools[name] = endpoint_tool(request, endpoint, name)
    return tools
