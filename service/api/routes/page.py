"""The chat page (`GET /`), the maintainers' review page (`GET /review`) and their static
files, served by the same service.

No build step and nothing fetched from the internet: the files in `service/static/`.
A page needs no key itself (it has to load to ask for one); the `/v1/*` calls it makes do:
the review page reads `GET /v1/feedback`, which takes an admin key (HAKB_ADMIN_KEYS) only.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from hakb.errors import NotFound

router = APIRouter(tags=["page"], include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

# Only 'self' may supply scripts, styles, images and connections; no inline code, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# A fixed list, so nothing else under the package can be read through this route.
_FILES = {
    "dom.js": "text/javascript; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "checklist.js": "text/javascript; charset=utf-8",
    "checklist.css": "text/css; charset=utf-8",
    "check.js": "text/javascript; charset=utf-8",
    "check.css": "text/css; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

_HEADERS = {
    # Always revalidate: a new deploy's page and script must arrive together.
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page(name: str) -> FileResponse:
    headers = {**_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY"}
    return FileResponse(STATIC_DIR / name, media_type="text/html; charset=utf-8", headers=headers)


@router.api_route("/", methods=["GET", "HEAD"])
def index() -> FileResponse:
    return _page("index.html")


@router.api_route("/review", methods=["GET", "HEAD"])
def review() -> FileResponse:
    return _page("review.html")


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
def static_file(name: str) -> FileResponse:
    media_type = _FILES.get(name)
    if media_type is None:
        raise NotFound(f"no static file named {name!r}")
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=_HEADERS)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    # Browsers ask for this path whatever the page says; answer it instead of logging 404s.
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml", headers=_HEADERS)
