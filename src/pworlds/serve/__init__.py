"""MCP server for any pworlds world (official ``mcp`` SDK): one episode per MCP session.

``pworlds serve TARGET`` / ``python -m pworlds.serve TARGET`` run it; ``build_server`` gives the SDK
``Server`` for in-process use (tests, embedding in another ASGI app).
"""

from pworlds.serve.server import EPISODE_META_KEY, WorldServer, build_server
from pworlds.serve.target import ServeTarget, parse_target

__all__ = ["EPISODE_META_KEY", "ServeTarget", "WorldServer", "build_server", "parse_target"]
