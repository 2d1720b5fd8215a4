"""What a running service shows about itself (issue 14, item 7), against real servers.

- Keys that are only commas and spaces are a mistake, not "no keys": `hakb serve`
  refuses to start instead of leaving /v1 open without a word.
- /readyz and the 503 of /v1 say why no build is loaded without the server's paths.
- /docs serves only what its page needs, under a Content-Security-Policy; the stock
  Swagger UI demo page of the installed package is not reachable.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from hakb.devserver import free_port
from tests.conftest import StartServer, run_hakb


@pytest.mark.parametrize("variable", ["HAKB_API_KEYS", "HAKB_ADMIN_KEYS"])
@pytest.mark.parametrize("value", [" , ", ",", "  ", " ,, , "])
def test_serve_refuses_to_start_with_keys_that_are_only_separators(tmp_path: Path, variable: str, value: str) -> None:
    port = free_port()
    done = run_hakb("serve", "--port", str(port), data_dir=tmp_path / "data", env={variable: value}, timeout=60)
    assert done.returncode == 2, done.stderr
    assert variable in done.stderr and "blank" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_readyz_without_a_build_names_the_problem_but_no_server_path(tmp_path: Path, start_server: StartServer) -> None:
    data_dir = tmp_path / "secret-layout" / "data"
    data_dir.mkdir(parents=True)
    server = start_server(data_dir, wait_ready=False)
    ready = httpx.get(f"{server.url}/readyz", timeout=10)
    assert ready.status_code == 503
    reason = ready.json()["reason"]
    assert "hakb ingest" in reason  # still says what to do
    asked = httpx.post(f"{server.url}/v1/ask", json={"question": "what port does ha1 use?"}, timeout=10)
    assert asked.status_code == 503
    for text in (ready.text, asked.text):
        assert str(tmp_path) not in text and "secret-layout" not in text
        assert not re.search(r"(?<![\w.:/])/(tmp|home|work|srv|var|root)/", text), text
    # The log, for the operator, keeps the full path.
    assert str(data_dir) in server.log()


def test_docs_serves_only_its_page_and_assets_under_a_policy(live_server: str) -> None:
    page = httpx.get(f"{live_server}/docs", timeout=10)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # No inline script for the policy to forbid: every <script> has a src.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page.text):
        script = httpx.get(f"{live_server}{src}", timeout=10)
        assert script.status_code == 200, src
        assert "content-security-policy" in script.headers
    # The package's demo page (it loads the Petstore example from the internet) and
    # everything else in its directory are not served.
    for name in ("index.html", "swagger-initializer.js", "oauth2-redirect.html", "index.j2", "swagger-ui.js.map"):
        r = httpx.get(f"{live_server}/docs/assets/{name}", timeout=10)
        assert r.status_code == 404, name
        assert r.json()["error"] == "not_found"
        assert "petstore" not in r.text.lower()
