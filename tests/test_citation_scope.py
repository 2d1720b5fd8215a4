"""Every citation says which product, deployment and PAN-OS version its quote holds for:
in the API's answers and schema, in `hakb ask`, and in Slack."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import Citation, Scope
from hakb.service.models import Answer
from hakb.service.slack import blocks
from tests.conftest import ingest, make_data_dir, run_hakb

SCOPED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "scoped"
HELP_12_1 = "ngfw__help__12-1__device__device-high-availability__ha-communications.md"
HA2_PORT = "what udp port does ha2 use?"
CN_AWS = Scope(
    product="cn-series",
    product_name="CN-Series",
    deployment="aws",
    deployment_name="AWS",
    since="10.2",
    doc_type="deployment-guide",
)


def test_slack_sources_name_the_scope_of_each_quote() -> None:
    citation = Citation(
        doc_id="ha-links",
        title="HA Links",
        url="https://docs.example.test/kx/ha-links",
        section="HA Links > Control Link",
        quote="The management port is used for HA1.",
        scope=CN_AWS,
    )
    answer = Answer(
        question="ha1 port?", answer="The management port.", kind="passage", confidence=0.6, citations=[citation]
    )
    sources = [b for b in blocks.answer_message(answer).blocks if b["type"] == "context"][-1]
    assert "(CN-Series on AWS · PAN-OS 10.2 &amp; later · deployment guide)" in sources["elements"][0]["text"]


def test_a_citation_without_a_scope_still_shows_its_version() -> None:
    citation = Citation(doc_id="d", title="T", section="T", quote="q", version="PAN-OS 11.1 & Later")
    assert citation.scope_label == "PAN-OS 11.1 & Later"
    assert citation.model_dump()["scope_label"] == "PAN-OS 11.1 & Later"


def test_api_answers_and_schema_carry_the_scope(live_server: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json={"question": HA2_PORT}, timeout=30)
    assert response.status_code == 200, response.text
    citations = response.json()["citations"]
    assert citations and all(c["scope"]["product"] == "ngfw" for c in citations)
    assert all(c["scope_label"].startswith("Next-Generation Firewall · ") for c in citations)
    schema = httpx.get(f"{live_server}/openapi.json", timeout=30).json()["components"]["schemas"]
    assert {"scope", "scope_label"} <= set(schema["Citation"]["properties"])
    assert {"product", "deployment", "versions", "since", "doc_type"} <= set(schema["Scope"]["properties"])


@pytest.mark.skipif(not (SCOPED / HELP_12_1).is_file(), reason="development corpus not available")
def test_hakb_ask_shows_the_version_of_a_help_page(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    data_dir = make_data_dir(tmp_path / "data")
    shutil.rmtree(data_dir / "docs")
    (data_dir / "docs").mkdir()
    shutil.copy(SCOPED / HELP_12_1, data_dir / "docs")
    result = ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True)
    assert result.ok, result
    done = run_hakb("ask", "which port is used for the HA1 control link in clear text?", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    sources = [line for line in done.stdout.splitlines() if line.startswith("  - ")]
    # A fact's citation names the whole scope, a passage's at least the version.
    assert sources and all(re.search(r" \[(Next-Generation Firewall · )?PAN-OS 12\.1\b[^\]]*\]: ", s) for s in sources)
