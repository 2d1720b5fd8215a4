"""A small local stand-in for Slack's Web API and response_url hooks.

It records every call (auth.test included) and answers the way Slack does, so the
real bot, pointed at it with SLACK_API_URL, runs unchanged:
    /api/auth.test             the bot's identity (user UBOT, bot BBOT)
    /api/chat.postMessage      ok, with a fresh ts (or a queued failure)
    /api/chat.postEphemeral    ok
    /api/conversations.replies the thread messages a test registered, else none
    /api/<anything else>       ok
    /hooks/<id>                a response_url: 200 "ok"
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0HAKB"


@dataclass
class Call:
    http_method: str
    path: str
    headers: dict[str, str]
    args: dict[str, Any]  # query string, form fields and JSON body, merged
    response: Any = None  # what the stand-in answered

    @property
    def api_method(self) -> str | None:
        """'chat.postMessage' for /api/chat.postMessage; None for hooks."""
        return self.path.removeprefix("/api/") if self.path.startswith("/api/") else None


@dataclass
class SlackRecorder:
    server: ThreadingHTTPServer
    calls: list[Call] = field(default_factory=list)
    threads: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)  # api method -> errors to return next
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def hook_url(self, name: str) -> str:
        return f"{self.url}/hooks/{name}"

    # -- what tests read -----------------------------------------------------

    def find(self, api_method: str | None = None, **where: Any) -> list[Call]:
        """Recorded calls of `api_method` (None: hooks) whose args match `where`."""
        with self.lock:
            calls = list(self.calls)
        return [c for c in calls if c.api_method == api_method and all(c.args.get(k) == v for k, v in where.items())]

    def hooks(self, name: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.path == f"/hooks/{name}"]

    def wait_for(self, found: Callable[[], list[Call]], count: int = 1, timeout_s: float = 5.0) -> list[Call]:
        """Calls as soon as at least `count` are there (or whatever there is at the deadline)."""
        deadline = time.monotonic() + timeout_s
        calls = found()
        while len(calls) < count and time.monotonic() < deadline:
            time.sleep(0.02)
            calls = found()
        return calls

    # -- what the server does ------------------------------------------------

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def reply_for(self, call: Call) -> tuple[int, Any]:
        method = call.api_method
        if method is None:
            return 200, "ok"
        with self.lock:
            queued = self.failures.get(method)
            error = queued.pop(0) if queued else None
        if error:
            return 200, {"ok": False, "error": error}
        if method == "auth.test":
            return 200, {
                "ok": True,
                "url": "https://hakb-test.slack.com/",
                "team": "hakb test",
                "user": "hakb",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": ts,
                "text": call.args.get("text"),
            }
            return 200, {"ok": True, "channel": call.args.get("channel"), "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "conversations.replies":
            key = (str(call.args.get("channel")), str(call.args.get("ts")))
            return 200, {"ok": True, "messages": self.threads.get(key, []), "has_more": False}
        return 200, {"ok": True}


def _handler(recorder: SlackRecorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            args: dict[str, Any] = dict(parse_qsl(parts.query))
            ctype = self.headers.get("content-type", "")
            if raw and "json" in ctype:
                args.update(json.loads(raw))
            elif raw:
                args.update(parse_qsl(raw.decode()))
            call = Call(self.command, parts.path, {k.lower(): v for k, v in self.headers.items()}, args)
            recorder.record(call)
            status, payload = recorder.reply_for(call)
            call.response = payload
            body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain" if isinstance(payload, str) else "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the recording is the log

    return Handler


@contextmanager
def running_recorder() -> Iterator[SlackRecorder]:
    """A recorder serving on a free loopback port for the `with` block, then shut down."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    recorder = SlackRecorder(server)
    server.RequestHandlerClass = _handler(recorder)
    thread = threading.Thread(target=server.serve_forever, name="slack-recorder", daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
