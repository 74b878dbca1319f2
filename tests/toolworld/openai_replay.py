"""A local OpenAI-compatible HTTP server that replays recorded chat-completion responses.

Tests point the LLM judge at it (``judge_base_url``); it answers ``POST /v1/chat/completions`` with the
next recorded response body and keeps every request it received for assertions. No mocks of our code:
the real ``openai`` client talks real HTTP to it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).parent / "fixtures" / "judge_recordings.json"


class ReplayServer:
    def __init__(self, responses: list[dict[str, Any]]) -> None:
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append({"path": self.path, "body": body})
                if not self.path.endswith("/chat/completions") or not server.responses:
                    self.send_response(404 if server.responses else 500)
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "no recorded response"}}')
                    return
                recorded = server.responses.pop(0)
                status = recorded.get("status", 200)
                payload = json.dumps(recorded["body"]).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def recorded(name: str) -> dict[str, Any]:
    """One recorded response from fixtures/judge_recordings.json by name."""
    return json.loads(RECORDINGS.read_text())[name]
