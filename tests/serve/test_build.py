"""What ``WorldServer.build`` leaves in the SDK server's request pipeline."""

from __future__ import annotations

from mcp.server._otel import OpenTelemetryMiddleware

from pworlds.serve import WorldServer, parse_target
from pworlds.serve.server import tracer_configured


def _has_tracing(tracing: bool | None) -> bool:
    server = WorldServer(parse_target("counter")).build(tracing=tracing)
    return any(isinstance(m, OpenTelemetryMiddleware) for m in server.middleware)


def test_span_middleware_only_when_tracing_is_configured_or_asked_for() -> None:
    assert not tracer_configured()  # the test environment installs no tracer provider
    assert _has_tracing(None) is False
    assert _has_tracing(False) is False
    assert _has_tracing(True) is True
