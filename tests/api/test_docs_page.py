"""/docs works with no network: Swagger UI comes from the installed package."""

from __future__ import annotations

import httpx


def test_docs_page_loads_swagger_from_this_server(live_server: str) -> None:
    page = httpx.get(f"{live_server}/docs", timeout=10)
    assert page.status_code == 200
    assert "cdn." not in page.text and "https://" not in page.text.split("<body>")[0]
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    script = httpx.get(f"{live_server}/docs/assets/swagger-ui-bundle.js", timeout=10)
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    schema = httpx.get(f"{live_server}/openapi.json", timeout=10).json()
    assert "/v1/ask" in schema["paths"]
