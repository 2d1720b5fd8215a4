"""The OpenAPI page at /docs, served from files installed with pip.

FastAPI's own /docs loads Swagger UI from a CDN, which an offline support desk
cannot reach: the same page here uses the copy that swagger-ui-bundle installs.

Only what the page needs is served, each file by name: the bundle, its stylesheet,
and the few lines that start it (a file, not an inline script, so the page's
Content-Security-Policy allows scripts from this origin only). The package's
demo page (`index.html`, which loads the Petstore example) and its other files
are not reachable.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

from hakb.errors import NotFound

ASSETS = "/docs/assets"
INIT_SCRIPT = "hakb-init.js"

# Swagger UI draws with scripts and styles from here, inline SVG images (data:) and
# fetches /openapi.json; nothing else, and nothing from anywhere else.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

# A fixed list, so nothing else in the package directory can be read through the route.
_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="/favicon.ico">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/{init}"></script>
</body>
</html>
"""


def _init_script(openapi_url: str) -> str:
    return (
        "window.ui = SwaggerUIBundle({\n"
        f"  url: {json.dumps(openapi_url)},\n"
        '  dom_id: "#swagger-ui",\n'
        '  layout: "BaseLayout",\n'
        "  deepLinking: true,\n"
        "  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],\n"
        "});\n"
    )


def install(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False)
    assets_dir = Path(swagger_ui_path)

    @router.get("/docs", response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        title = f"{app.title} API".replace("&", "&amp;").replace("<", "&lt;")
        page = _PAGE.format(assets=ASSETS, title=title, init=INIT_SCRIPT)
        headers = {**_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
        return HTMLResponse(page, headers=headers)

    @router.get(f"{ASSETS}/{INIT_SCRIPT}")
    def init_script() -> Response:
        script = _init_script(app.openapi_url or "/openapi.json")
        return Response(script, media_type="text/javascript; charset=utf-8", headers=_HEADERS)

    @router.get(ASSETS + "/{name}")
    def asset(name: str) -> FileResponse:
        media_type = _FILES.get(name)
        if media_type is None:
            raise NotFound(f"no such file: {ASSETS}/{name} (the docs page needs only the Swagger UI bundle)")
        return FileResponse(assets_dir / name, media_type=media_type, headers=_HEADERS)

    app.include_router(router)
