"""Request body size limit, as plain ASGI middleware (before any parsing happens)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hakb.errors import PayloadTooLarge
from hakb.service.api.errors import send_error


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(scope, send)
            return
        seen = 0
        started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal seen, rejected
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Answer 413 here and tell the app the client left: FastAPI turns any
                    # exception raised while reading the body into a 400, so raising
                    # alone would lose the 413 of a chunked (length-less) body.
                    if not started and not rejected:
                        rejected = True
                        await self._reject(scope, send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return  # the 413 is already sent; whatever the app answers is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge:
            if not started:
                await self._reject(scope, send)

    async def _reject(self, scope: Scope, send: Send) -> None:
        await send_error(scope, send, PayloadTooLarge(f"request body is over the limit of {self.max_bytes} bytes"))
