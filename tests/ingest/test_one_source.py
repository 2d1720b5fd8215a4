"""One URL is one source: a text scrape and a saved page of the same address are not cited
twice, nor are their facts counted twice. The fuller copy is kept, whatever the order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.parse import read_document
from hakb.ingest.pipeline import IngestOptions, Pipeline, canonical_url, one_per_url

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
PAGE = FIXTURES / "ha-links.html"  # canonical URL below, the fuller copy
URL = "https://docs.example.test/fw/admin/ha/peer-links"
REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "docs" / "ha-links-and-backup-links.txt"
CORPUS_COPY = Path("/work/shared/corpus/pages/ngfw__administration__high-availability__ha-links-and-backup-links.md")

# An older, shorter scrape of the same page, as a user might keep in data/docs.
OLD_SCRAPE = """Peer Links and Their Backups
Peer Links and Their Backups
Two firewalls in a pair keep each other informed over dedicated peer links.

HA1 uses TCP ports 28901 and 28902 in clear text, and TCP port 28922 when encrypted.
"""


def _docs_dir(root: Path) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "peer-links.txt").write_text(OLD_SCRAPE, encoding="utf-8")
    (docs / "manifest.json").write_text(json.dumps({"peer-links.txt": {"url": URL + "/", "version": "PAN-OS 99.1"}}))
    shutil.copy(PAGE, docs / "ha-links.html")
    return docs


def test_canonical_url_ignores_case_of_host_trailing_slash_and_fragment() -> None:
    assert canonical_url("HTTPS://Docs.Example.TEST/fw/a/#top") == canonical_url("https://docs.example.test/fw/a")


@pytest.mark.parametrize("order", ["scrape-first", "page-first"])
def test_the_fuller_copy_is_the_one_source(tmp_path: Path, order: str) -> None:
    docs = _docs_dir(tmp_path)
    pairs = [read_document(docs / "peer-links.txt"), read_document(docs / "ha-links.html")]
    if order == "page-first":
        pairs.reverse()
    ((meta, sections),) = one_per_url(pairs)
    assert meta.doc_id == "ha-links" and meta.aliases == ("peer-links",)
    assert meta.version == "PAN-OS 99.1"  # what only the other copy knew (its manifest)
    assert sections and all(s.doc_id == "ha-links" for s in sections)


def test_a_build_cites_the_page_once(tmp_path: Path, onnx_embedder: object) -> None:
    docs = _docs_dir(tmp_path)
    result = Pipeline(IngestOptions(index_dir=tmp_path / "index"), onnx_embedder).run([docs])  # type: ignore[arg-type]
    assert result.ok and result.counts["documents"] == 1, result
    merged = next(r for r in result.reports if r.source.endswith("peer-links.txt"))
    assert merged.ok and merged.merged_into == "ha-links"
    contents = builds.read_build(tmp_path / "index", result.build_id or "")[1]
    assert {f.doc_id for f in contents.facts} == {"ha-links"}
    assert {c.doc_id for c in contents.chunks} == {"ha-links"}
    ports = [f for f in contents.facts if f.attribute == "port" and f.value == "28901"]
    assert len(ports) == 1  # not once per copy
    # The same documents again: the same build, nothing re-read into a second source.
    again = Pipeline(IngestOptions(index_dir=tmp_path / "index"), onnx_embedder).run([docs])  # type: ignore[arg-type]
    assert again.ok and not again.changed and again.build_id == result.build_id


@pytest.mark.skipif(not CORPUS_COPY.is_file(), reason="development corpus not available")
def test_seed_and_corpus_copy_of_the_same_url_are_one_source() -> None:
    seed, corpus = read_document(SEED), read_document(CORPUS_COPY)
    assert seed[0].url == corpus[0].url
    ((meta, sections),) = one_per_url([seed, corpus])
    # The corpus copy kept the backup-link guidelines the seed lost: it is the fuller one.
    assert meta.doc_id == corpus[0].doc_id and meta.aliases == (seed[0].doc_id,)
    assert meta.version == "PAN-OS 11.1 & Later"  # from the seed's manifest entry
    assert any("28770" in s.text for s in sections)
