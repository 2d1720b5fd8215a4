"""Questions that name a product, a deployment or a PAN-OS version, answered from invented
pages: the asked scope's evidence answers, in the words the question uses for it."""

from __future__ import annotations

import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.engine import Engine
from hakb.settings import Settings
from tests.conftest import ingest, make_data_dir

PAGES = {
    "widget-pairs.md": (
        "ngfw/administration/widget-pairs",
        "# Widget Pairs\n\nTwo widgets form a widget pair that shares its state.\n\n"
        "## Widget Pair Support\n\n"
        "Widget pairs are supported on every firewall model with a few exceptions:\n\n"
        "- The GZ-Series firewall on Azure supports active/passive widget pairs only.\n"
        "- The GZ-Series firewall on Google Cloud Platform does not support widget pairs.\n",
    ),
    "widget-keys.md": (
        "ngfw/administration/widget-keys",
        "# Widget Keys\n\nWidget pairs exchange widget keys.\n\n## Widget Key Encryption\n\n"
        "Widget key encryption uses TCP port 4242 between the widget peers, and the Gadgetron "
        "manager pushes the widget key encryption setting to both widget peers.\n",
    ),
    "gadgetron-keys.md": (
        "gadgetron/administration/gadgetron-widget-keys",
        "# Gadgetron Widget Keys\n\nThe Gadgetron manager keeps its own widget keys.\n\n"
        "## Encryption\n\nWhen enabled, the Gadgetron management interface encrypts the keys it sends.\n",
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, onnx_embedder: OnnxEmbedder) -> Engine:
    data_dir = make_data_dir(tmp_path_factory.mktemp("scope") / "data")
    docs = data_dir / "docs"
    for name, (path, body) in PAGES.items():
        (docs / name).write_text(f"---\nurl: https://docs.paloaltonetworks.com/{path}\n---\n\n{body}", encoding="utf-8")
    assert ingest(data_dir, [docs], onnx_embedder, replace=True).ok
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh()
    return engine


@pytest.mark.parametrize("question", ["gz-series on gcp - widget pairs?", "gz-series on gcp: widget pairs supported?"])
def test_a_cloud_asked_by_its_short_name_is_answered_by_the_sentence_naming_it_in_full(
    engine: Engine, question: str
) -> None:
    # The documents write "Google Cloud Platform"; the question's "gcp" is the scope
    # asked, not a word the documents are missing.
    answer = engine.ask(question)
    assert answer.kind != "abstain", answer.answer
    assert answer.answer.startswith("No."), answer.answer
    assert "Google Cloud Platform does not support widget pairs" in answer.answer


def test_a_product_heading_the_question_is_its_scope_not_a_topic(engine: Engine) -> None:
    # "gadgetron: ..." asks in the Gadgetron's own pages, the way "12.1 help: ..." asks in
    # a release's; the main product's page that names the Gadgetron is not its answer.
    answer = engine.ask("gadgetron: widget key encryption?")
    assert "encrypts the keys it sends" in answer.answer, answer.answer
    assert "4242" not in answer.answer
