"""Document scope: which product, deployment and PAN-OS versions a page, and so every fact,
chunk and citation of it, holds for.

Read from the pages themselves (URL path, breadcrumb, version picker, "Where Can I Use
This?" box, title) by general rules, overridden by manifest.json. Synthetic pages are in
our own words; the development corpus is read where it lives.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from hakb.ingest import builds
from hakb.ingest.errors import ManifestError
from hakb.ingest.models import Chunk, DocumentMeta, Fact, Scope
from hakb.ingest.parse import read_document
from hakb.ingest.pipeline import IngestOptions, Pipeline, one_per_url
from hakb.ingest.scope import cite, read_scope, scope_of, sentence_scope, unify_products
from hakb.ingest.vectors import ChunkVectorStore, open_chroma_client, scope_where

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "docs" / "ha-links-and-backup-links.txt"
SCOPED = REPO.parent / "shared" / "corpus" / "scoped"
PAGES = REPO.parent / "shared" / "corpus" / "pages"
needs_corpus = pytest.mark.skipif(not SCOPED.is_dir() or not PAGES.is_dir(), reason="development corpus not available")

HELP_12_1 = "ngfw__help__12-1__device__device-high-availability__ha-communications.md"
ADMIN_10_1 = "pan-os__10-1__pan-os-admin__high-availability__ha-concepts__ha-links-and-backup-links.md"
PA7000_10_2 = (
    "pan-os__10-2__pan-os-admin__high-availability__ha-concepts__ha-links-and-backup-links__"
    "ha-ports-on-the-pa-7000-series-firewall.md"
)
CN_LINKS = (
    "cn-series__deployment__cn-deployment__high-availability-and-dpdk-support__"
    "high-availability-for-cn-series-firewall-on-aws__ha-links.md"
)
PANORAMA_HELP = "ngfw__help__12-1__panorama-web-interface__panorama-high-availability.md"
PANORAMA_ADMIN = "panorama__administration__configure-panorama-for-high-availability.md"
CURRENT_LINKS = "ngfw__administration__high-availability__ha-links-and-backup-links.md"


def _page(url: str, crumbs: Sequence[str], box: Sequence[str] = (), body: str = "") -> str:
    """A scraped page in the corpus's shape, in our own words."""
    lines = ["---", f"url: {url}", "---", "", "# Peer Links Clear", "", "Focus", "", "Home", ""]
    lines += [f"{c}\n" for c in crumbs]
    lines += ["Download PDF", "", "Peer Links", ""]
    if box:
        lines += ["Where Can I Use This? What Do I Need?", "", *[f"{b}\n" for b in box]]
    lines += [body or "The peers exchange hellos over the control link on port 28901 in clear text.", ""]
    return "\n".join(lines)


# -- reading one page ------------------------------------------------------------


def test_a_versioned_url_names_the_version_product_and_kind_of_page() -> None:
    text = _page(
        "https://docs.example.test/vm-series/11-1/vm-series-deployment/set-up-the-vm-series-firewall-on-azure/peers",
        ["VM-Series", "Set Up the VM-Series Firewall on Azure", "Peers"],
    )
    scope = read_scope(
        url="https://docs.example.test/vm-series/11-1/vm-series-deployment/"
        "set-up-the-vm-series-firewall-on-azure/peers",
        title="Peers",
        text=text,
        kind="markdown",
    )
    assert scope.product == "vm-series" and scope.product_name == "VM-Series"
    assert (scope.deployment, scope.deployment_name) == ("azure", "Azure")
    assert scope.versions == ("11.1",) and not scope.latest
    assert scope.doc_type == "deployment-guide"
    assert scope.label == "VM-Series on Azure · PAN-OS 11.1 · deployment guide"


def test_an_unversioned_url_is_the_current_documentation() -> None:
    scope = read_scope(url="https://docs.example.test/fw/administration/ha/peer-links", title="Peer Links")
    assert scope.latest and scope.versions == () and scope.product == "fw"
    assert scope.version_label == "current docs"
    assert scope.covers_version("10.1") is None  # cannot say


@pytest.mark.parametrize(
    "segment",
    ["ha-ports-on-the-pa-7000-series-firewall", "ha-ports-on-palo-alto-networks-firewalls", "nat-in-layer-3"],
)
def test_a_title_with_on_is_not_a_deployment(segment: str) -> None:
    scope = read_scope(url=f"https://docs.example.test/fw/administration/ha/{segment}", title="HA Ports")
    assert scope.deployment is None


def test_a_page_about_one_hardware_family_names_it() -> None:
    scope = read_scope(
        url="https://docs.example.test/pan-os/10-2/pan-os-admin/ha/ha-ports-on-the-pa-7000-series-firewall",
        title="HA Ports",
    )
    assert scope.platforms == ("PA-7000 Series",)
    assert scope.versions == ("10.2",)


def test_the_requirements_box_gives_the_lowest_version_not_a_tool_version() -> None:
    text = _page(
        "https://docs.example.test/kx-series/deployment/peers-on-aws/peer-links",
        ["KX-Series", "Peers on AWS EKS", "Peer Links"],
        box=["KX-Series deployment", "KX-Series 10.2.x or above Container Images", "Helm 3.6 or above version"],
    )
    scope = read_scope(
        url="https://docs.example.test/kx-series/deployment/peers-on-aws/peer-links",
        title="Peer Links",
        text=text,
        kind="markdown",
    )
    assert scope.since == "10.2" and not scope.latest
    assert (scope.deployment, scope.deployment_name) == ("aws", "AWS")
    assert scope.covers_version("11.1") is True and scope.covers_version("10.1") is False
    assert scope.version_label == "PAN-OS 10.2 & later"


def test_a_web_interface_help_page_of_another_product_is_that_products() -> None:
    url = "https://docs.example.test/fw/help/12-1/console-web-interface/console-peers"
    text = _page(url, ["Firewall", "Console Web Interface", "Console > Peers"])
    scope = read_scope(url=url, title="Console > Peers", text=text, kind="markdown")
    assert scope.product == "console" and scope.product_name == "Console"
    assert scope.doc_type == "help" and scope.versions == ("12.1",)


def test_the_manifest_overrides_what_the_page_says(tmp_path: Path) -> None:
    (tmp_path / "links.md").write_text(
        _page("https://docs.example.test/fw/administration/peer-links", ["Firewall", "Peer Links"]), encoding="utf-8"
    )
    entry = {"version": "PAN-OS 10.2", "product": "VM-Series", "deployment": "GCP", "doc_type": "reference"}
    (tmp_path / "manifest.json").write_text(json.dumps({"links.md": entry}), encoding="utf-8")
    meta, _ = read_document(tmp_path / "links.md")
    assert meta.scope is not None
    assert (meta.scope.product, meta.scope.product_name) == ("vm-series", "VM-Series")
    assert (meta.scope.deployment, meta.scope.versions, meta.scope.latest) == ("gcp", ("10.2",), False)
    assert meta.scope.doc_type == "reference"
    assert meta.version == "PAN-OS 10.2"


def test_a_text_scrape_without_manifest_reads_the_selected_version_of_its_picker(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)  # no manifest.json beside it
    meta, _ = read_document(tmp_path / SEED.name)
    assert meta.scope is not None and meta.scope.since == "11.1"
    assert meta.version == "PAN-OS 11.1 & later"


def test_the_seed_keeps_its_manifest_version_and_gets_a_product() -> None:
    meta, _ = read_document(SEED)
    assert meta.version == "PAN-OS 11.1 & Later"
    assert meta.scope is not None and meta.scope.product == "ngfw" and meta.scope.since == "11.1"


def test_one_product_one_key_across_versioned_and_current_pages() -> None:
    versioned = Scope(product="pan-os", product_name="Next-Generation Firewall", versions=("10.1",))
    current = Scope(product="ngfw", product_name="Next-Generation Firewall", latest=True)
    other = Scope(product="kx-series", product_name="KX-Series", latest=True)
    assert [s.product for s in unify_products([versioned, current, other])] == ["ngfw", "ngfw", "kx-series"]
    # Alone, the versioned page keeps its own key.
    assert unify_products([versioned])[0].product == "pan-os"


def test_one_sentence_of_two_versions_is_one_scope_listing_both() -> None:
    a = Scope(product="ngfw", product_name="NGFW", versions=("10.2",), doc_type="admin-guide")
    b = Scope(product="ngfw", product_name="NGFW", versions=("10.1",), doc_type="admin-guide")
    c = Scope(product="ngfw", product_name="NGFW", latest=True, doc_type="admin-guide")
    merged = a.merged(b).merged(c)
    assert merged.version_label == "PAN-OS 10.1, 10.2, current"
    assert merged.label == "NGFW · PAN-OS 10.1, 10.2, current · admin guide"


def test_an_older_build_without_scopes_still_reads_and_gets_one_from_its_url() -> None:
    old = {"subject": "HA1", "attribute": "port", "value": "28901", "doc_id": "d", "title": "T",
           "section": "T", "quote": "q", "version": None}  # fmt: skip
    assert Fact.model_validate(old).scope is None
    meta = DocumentMeta(doc_id="d", title="T", url="https://docs.example.test/pan-os/10-2/admin/t",
                        source="x", kind="markdown", sha256="0")  # fmt: skip
    assert scope_of(meta).versions == ("10.2",)


# -- the corpus ------------------------------------------------------------------


@needs_corpus
def test_help_pages_record_the_version_of_their_url() -> None:
    meta, sections = read_document(SCOPED / HELP_12_1)
    assert meta.scope is not None
    assert (meta.scope.product, meta.scope.versions, meta.scope.doc_type) == ("ngfw", ("12.1",), "help")
    assert meta.version == "PAN-OS 12.1"


@needs_corpus
def test_corpus_pages_read_their_product_deployment_and_versions() -> None:
    scopes = {
        name: read_document(SCOPED / name)[0].scope
        for name in (ADMIN_10_1, PA7000_10_2, CN_LINKS, PANORAMA_HELP, PANORAMA_ADMIN)
    }
    scopes[CURRENT_LINKS] = read_document(PAGES / CURRENT_LINKS)[0].scope
    names = list(scopes)
    unified = dict(zip(names, unify_products([s for s in scopes.values() if s]), strict=True))
    assert unified[ADMIN_10_1].product == unified[CURRENT_LINKS].product == "ngfw"
    assert unified[ADMIN_10_1].versions == ("10.1",) and unified[CURRENT_LINKS].latest
    assert unified[PA7000_10_2].platforms == ("PA-7000 Series",)
    cn = unified[CN_LINKS]
    assert (cn.product, cn.deployment, cn.since, cn.doc_type) == ("cn-series", "aws", "10.2", "deployment-guide")
    assert cn.label == "CN-Series on AWS · PAN-OS 10.2 & later · deployment guide"
    # The Panorama help page sits in the firewall's help, but it is about Panorama.
    assert unified[PANORAMA_HELP].product == unified[PANORAMA_ADMIN].product == "panorama"
    assert unified[PANORAMA_HELP].versions == ("12.1",)


# -- a build ---------------------------------------------------------------------


class HashEmbedder:
    """Vectors from a hash of the text: enough to store and filter chunks, fast."""

    name = "test-hash-embedder"
    dim = 16

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], dtype=np.uint8) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@needs_corpus
def test_a_build_carries_scope_into_facts_chunks_citations_and_chroma(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in (HELP_12_1, ADMIN_10_1, CN_LINKS):
        shutil.copy(SCOPED / name, docs / name)
    shutil.copy(PAGES / CURRENT_LINKS, docs / CURRENT_LINKS)
    index = tmp_path / "index"
    result = Pipeline(IngestOptions(index_dir=index), HashEmbedder()).run([docs])  # type: ignore[arg-type]
    assert result.ok and result.build_id, result
    path, contents = builds.read_build(index, result.build_id)

    help_facts = [f for f in contents.facts if f.doc_id == HELP_12_1.removesuffix(".md")]
    assert help_facts and all(f.version == "PAN-OS 12.1" for f in help_facts)
    assert all(f.scope and f.scope.versions == ("12.1",) for f in help_facts)
    citation = help_facts[0].citation
    assert citation.scope is not None and citation.scope.label.startswith("Next-Generation Firewall · PAN-OS 12.1")
    # The versioned admin guide and the current one are one product.
    products = {c.doc_id: c.scope.product for c in contents.chunks if c.scope}
    assert products[ADMIN_10_1.removesuffix(".md")] == products[CURRENT_LINKS.removesuffix(".md")] == "ngfw"
    assert products[CN_LINKS.removesuffix(".md")] == "cn-series"

    client = open_chroma_client(path / "chroma")
    store = ChunkVectorStore(client, builds.collection_name(result.build_id), create=False)
    probe = HashEmbedder().embed(["HA1 port"])[0]

    def docs_of(where: dict[str, object] | None) -> set[str]:
        hits = store.query(probe, top_k=500, where=where)
        return {c.doc_id for c in store.get_chunks([cid for cid, _ in hits]).values()}

    # The build's vocabulary of scopes holds what one sentence of the help page names for itself.
    manifest = builds.read_manifest(path)
    assert any(s.product == "vm-series" and s.deployment == "aws" for s in manifest.scopes)
    assert {d.scope for d in manifest.documents} <= set(manifest.scopes)

    assert docs_of(scope_where(product="cn-series")) == {CN_LINKS.removesuffix(".md")}
    # A firewall help page's passage that says what holds on the VM-Series firewall in AWS.
    assert docs_of(scope_where(product="vm-series", deployment="aws")) == {HELP_12_1.removesuffix(".md")}
    # Version 10.1: the 10.1 page and the pages not pinned to versions, never the 12.1 help.
    assert docs_of(scope_where(product="ngfw", version="10.1.4")) == {
        ADMIN_10_1.removesuffix(".md"),
        CURRENT_LINKS.removesuffix(".md"),
    }
    stored = store.get_chunks([contents.chunks[0].chunk_id])[contents.chunks[0].chunk_id]
    assert stored.scope == contents.chunks[0].scope


def test_chunk_citations_carry_the_chunk_scope() -> None:
    scope = Scope(product="kx-series", versions=("10.2",))
    chunk = Chunk(chunk_id="c", doc_id="d", title="T", section="T > S", text="One. Two.", scope=scope)
    assert chunk.citation("Two.").scope == scope


def test_a_manifest_with_an_unknown_kind_of_page_is_refused(tmp_path: Path) -> None:
    (tmp_path / "links.md").write_text(_page("https://docs.example.test/fw/peer-links", ["Firewall"]), encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"links.md": {"doc_type": "blog"}}), encoding="utf-8")
    with pytest.raises(ManifestError, match="doc_type must be one of admin-guide"):
        read_document(tmp_path / "links.md")


# -- a sentence that names its own scope -----------------------------------------

HELP = Scope(product="fw", product_name="Firewall", versions=("12.1",), doc_type="help", platforms=("PA-7000 Series",))


@pytest.mark.parametrize(
    ("sentence", "product", "deployment"),
    [
        ("On the KX-Series firewall in AWS, the management port carries the control link.", "kx-series", "aws"),
        ("The KX-Series firewall on Google Cloud Platform has no peer links.", "kx-series", "gcp"),
        ("Peer monitoring is not offered on the KX-Series firewall on VMware ESXi.", "kx-series", "esxi"),
        ("Only UDP carries the data link in Azure environments.", "fw", "azure"),
        ("On AWS, the KX-Series firewall uses these ports:", "kx-series", "aws"),
        ("Pod Name ( KX-Series cluster only ) Name of the pod", "kx-series", None),
        # Two deployments: the product is certain, the deployment is not.
        ("The KX-Series firewall on Azure and KX-Series firewall on AWS pair active/passive only.", "kx-series", None),
    ],
)
def test_a_sentence_naming_its_product_or_deployment_holds_for_that_scope(
    sentence: str, product: str, deployment: str | None
) -> None:
    scope = sentence_scope(HELP, sentence)
    assert scope is not None and (scope.product, scope.deployment) == (product, deployment)
    assert scope.versions == ("12.1",)  # still the 12.1 help
    if product != "fw":
        assert scope.platforms == ()  # the page's hardware families are not the other product's


@pytest.mark.parametrize(
    "sentence",
    [
        "The control link uses port 28901 in clear text.",
        "The exceptions are AWS and Azure, where the management port is a DHCP client.",
        "The virtual MAC format on PA-7000, PA-5200 Series, and KX-Series firewalls is fixed.",
        # The line of the hardware models is the firewall itself, not another product.
        "Sync Status ( PA-Series cluster only ) Synchronization status of the peers",
    ],
)
def test_a_sentence_that_names_no_scope_of_its_own_keeps_the_pages(sentence: str) -> None:
    assert sentence_scope(HELP, sentence) == HELP


def test_a_passage_citation_takes_its_sentences_scope() -> None:
    chunk = Chunk(
        chunk_id="c",
        doc_id="d",
        title="T",
        section="T > S",
        text="The control link uses port 28901. On the KX-Series firewall in AWS, the management port is used.",
        scope=HELP,
    )
    assert cite(chunk, "The control link uses port 28901.").scope == HELP
    named = cite(chunk, "On the KX-Series firewall in AWS, the management port is used.").scope
    assert named is not None and named.label == "KX-Series on AWS · PAN-OS 12.1 · web-interface help"


@needs_corpus
def test_the_copy_kept_for_a_url_takes_the_versions_another_copy_knew() -> None:
    ((meta, _),) = one_per_url([read_document(SEED), read_document(PAGES / CURRENT_LINKS)])
    assert meta.doc_id == CURRENT_LINKS.removesuffix(".md")  # the fuller corpus copy
    assert meta.scope is not None and meta.scope.since == "11.1" and not meta.scope.latest  # the seed's manifest
    assert meta.scope.product == "ngfw"
