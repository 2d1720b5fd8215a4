"""Cursor pagination for the API's lists (`/v1/facts`, `/v1/ports`, `/v1/documents`,
`/v1/feedback`), and the `ETag` of lookups that depend only on the build.

A cursor is opaque to clients: they pass `next_cursor` back as `cursor`, as it is. It
holds a position and a tag: a hash of what the list was made from (the build id and the
filters, or the list's name). Any string of the cursor's shape is read: a position
past the end is an empty last page; a tag of another build or other filters is a 409
(`stale_cursor`: the list it pointed into is gone, start again); a string of another
shape is a 422 naming the `cursor` parameter. Each page also carries a `Link` header
(RFC 8288, `rel="next"`) with the URL of the next page.

The `ETag` of a lookup is the build id (and the hakb version, whose code shapes the
body): a client that sends it back in `If-None-Match` gets a 304 with no body until a
new build becomes current.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Query, Request, Response

from hakb import __version__
from hakb.errors import StaleCursor

T = TypeVar("T")

# "<position>.<tag>": the position in the list (or the id to go on before), the tag of
# what the list was made from.
CURSOR_PATTERN = r"^[0-9]{1,12}\.[0-9a-f]{12}$"
CURSOR_EXAMPLE = "100.3f2a9c0d1b7e"

CursorParam = Annotated[
    str | None,
    Query(
        pattern=CURSOR_PATTERN,
        max_length=25,
        description="Where the page starts: the `next_cursor` of the previous page, passed back as it is "
        '(also in the `Link: <...>; rel="next"` header). Omit it for the first page.',
        examples=[CURSOR_EXAMPLE],
    ),
]

# What pagination answers besides the page itself, for the schema.
PAGE_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"description": "A cursor of another build or other filters (`stale_cursor`): start again without it"},
}
PAGE_HEADERS = {
    "Link": {
        "description": 'The next page: `<URL>; rel="next"` (absent on the last page)',
        "schema": {"type": "string"},
    },
}
LOOKUP_HEADERS = {
    "ETag": {
        "description": "The build this answer comes from; send it back in If-None-Match to get a 304 "
        "until a new build is current",
        "schema": {"type": "string"},
    },
}
NOT_MODIFIED: dict[int | str, dict[str, object]] = {
    304: {"description": "Not modified: the If-None-Match ETag is the current build's"},
}


def cursor_tag(*parts: str | None) -> str:
    """The tag of a list: a short hash of what it was made from."""
    text = "\x1f".join("" if p is None else p for p in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def make_cursor(position: int, tag: str) -> str:
    return f"{position}.{tag}"


def read_cursor(cursor: str | None, tag: str, what: str) -> int | None:
    """The position `cursor` holds (None: no cursor, the first page). StaleCursor when it
    was made for another build or other filters of `what`."""
    if cursor is None:
        return None
    position, _, made_for = cursor.partition(".")
    if made_for != tag:
        raise StaleCursor(
            f"cursor: this cursor was made for another build or other filters of {what}; "
            "start again from the first page (without cursor)",
            code="stale_cursor",
        )
    return int(position)


def page_of(items: Sequence[T], limit: int, cursor: str | None, tag: str, what: str) -> tuple[list[T], str | None]:
    """The page of `items` that `cursor` points to, and the cursor of the next page
    (None on the last)."""
    start = read_cursor(cursor, tag, what) or 0
    end = start + limit
    page = list(items[start:end])
    return page, make_cursor(end, tag) if end < len(items) else None


def link_next(request: Request, response: Response, next_cursor: str | None, limit: int) -> None:
    """`Link: <next page URL>; rel="next"` when there is a next page."""
    if next_cursor is not None:
        url = request.url.remove_query_params("before").include_query_params(cursor=next_cursor, limit=limit)
        response.headers["Link"] = f'<{url}>; rel="next"'


def etag_of(build_id: str) -> str:
    return f'"{build_id}.{__version__}"'


def not_modified(request: Request, response: Response, build_id: str) -> Response | None:
    """Set the build's ETag on `response`; a 304 to send instead when the request's
    If-None-Match names it (or is `*`)."""
    tag = etag_of(build_id)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}  # keep it, but ask each time
    response.headers.update(headers)
    asked = request.headers.get("if-none-match")
    if asked is None:
        return None
    # A weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    tags = {t.strip().removeprefix("W/") for t in asked.split(",")}
    if "*" in tags or tag in tags:
        return Response(status_code=304, headers=headers)
    return None
