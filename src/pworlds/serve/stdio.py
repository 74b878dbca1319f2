"""A stdio MCP transport that reads and writes the pipes on the event loop instead of in worker threads.

The SDK's ``mcp.server.stdio.stdio_server`` wraps stdin/stdout in ``anyio.wrap_file``: every line read, every
write and every flush is a hop to a worker thread and back. For a sequential client that is three thread
round trips per tool call, which costs more CPU (and adds more latency on a busy 2-CPU machine) than the
whole JSON-RPC dispatch. When stdin and stdout are pipes or sockets — as they are whenever an MCP client
spawns the server — this transport registers them with asyncio's selector instead (``connect_read_pipe`` /
``connect_write_pipe``), so a call costs no thread hop at all.

It keeps the SDK transport's guarantees: fd 0 is pointed at the null device and fd 1 at stderr while serving
(a world, a prover or a test run that prints cannot corrupt the wire), the originals are restored on exit,
malformed lines reach the server as exceptions (it answers with a JSON-RPC parse error), and each message is
written with a single ``write`` so concurrent responses never interleave. Anything else — a terminal, a
regular file, a non-asyncio event loop — falls back to the SDK transport.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any

import anyio
import anyio.lowlevel
import mcp_types as types
import sniffio
from mcp.shared.message import SessionMessage

LINE_LIMIT = 1 << 28
"""Largest JSON-RPC line accepted (256 MiB); asyncio's default 64 KiB would reject a big ``write_file``."""


def pollable(fd: int) -> bool:
    """Whether the event loop can watch ``fd`` directly: a pipe or a socket (not a terminal or a file).

    Terminals are excluded on purpose: making a shared tty non-blocking would break the shell around us.
    """
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _LineReader:
    """The server's read stream: one parsed ``SessionMessage`` (or the parse error) per line of stdin."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def receive(self) -> SessionMessage | Exception:
        while True:
            try:
                line = await self._reader.readline()
            except ValueError as exc:  # a line longer than LINE_LIMIT; the rest of it is discarded
                return exc
            if not line:
                raise anyio.EndOfStream
            if line.strip():
                break
        try:
            return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
        except Exception as exc:  # the SDK answers a malformed frame with a parse error and keeps serving
            return exc

    def __aiter__(self) -> _LineReader:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        return None

    async def __aenter__(self) -> _LineReader:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class _LineWriter:
    """The server's write stream: each message serialised and written to stdout in one ``write`` call."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._closed = False

    async def send(self, item: SessionMessage, /) -> None:
        if self._closed:
            raise anyio.ClosedResourceError
        data = item.message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
        self._writer.write(data)
        await self._writer.drain()

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> _LineWriter:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _divert(fd: int, flags: int) -> tuple[int, int]:
    """Move the wire off ``fd`` onto a private descriptor; point ``fd`` at /dev/null (stdin) or stderr.

    Returns (private descriptor carrying the wire, saved copy of it for restoring ``fd``).
    """
    private = os.dup(fd)
    os.set_inheritable(private, False)
    replacement = os.open(os.devnull, flags) if fd == 0 else os.dup(2)
    try:
        os.dup2(replacement, fd)
    finally:
        os.close(replacement)
    return private, os.dup(private)


@asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """(read stream, write stream) for ``Server.run`` over this process's stdin and stdout."""
    if sniffio.current_async_library() != "asyncio" or not (pollable(0) and pollable(1)):
        from mcp.server.stdio import stdio_server

        async with stdio_server() as streams:
            yield streams
        return

    loop = asyncio.get_running_loop()
    sys.stdout.flush()
    in_fd, in_saved = _divert(0, os.O_RDONLY)
    out_fd, out_saved = _divert(1, os.O_WRONLY)
    in_file = os.fdopen(in_fd, "rb", buffering=0)
    out_file = os.fdopen(out_fd, "wb", buffering=0)
    read_transport: asyncio.BaseTransport | None = None
    write_transport: asyncio.WriteTransport | None = None
    try:
        reader = asyncio.StreamReader(limit=LINE_LIMIT, loop=loop)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader, loop=loop), in_file
        )
        write_transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.streams.FlowControlMixin(loop=loop), out_file
        )
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        yield _LineReader(reader), _LineWriter(writer)
        with suppress(ConnectionError, OSError):
            await writer.drain()
    finally:
        for transport, file in ((read_transport, in_file), (write_transport, out_file)):
            if transport is not None:
                transport.close()  # closes the file too (after flushing what is buffered, for the writer)
            else:
                file.close()
        for saved, fd in ((in_saved, 0), (out_saved, 1)):
            with suppress(OSError):
                os.set_blocking(saved, True)  # shared with the pipe end asyncio made non-blocking
                os.dup2(saved, fd)
            with suppress(OSError):
                os.close(saved)
        await anyio.lowlevel.checkpoint()
