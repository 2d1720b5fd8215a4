"""The facts table a support engineer relies on: what the seed and the corpus must yield.

Every required fact is looked up in a real build and must carry its citation: the
document, its URL, the section, and a quote that contains the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.models import Fact
from hakb.service.facts_table import FactTable

SEED_DOC_ID = "ha-links-and-backup-links"
SEED_URL = "https://docs.paloaltonetworks.com/ngfw/administration/high-availability/ha-links-and-backup-links"
CORPUS_LINKS_DOC = "ngfw__administration__high-availability__ha-links-and-backup-links"
CORPUS_PORTS_DOC = "ngfw__administration__firewall-administration__reference-port-number-usage__ports-used-for-ha"


def _facts(data_dir: Path) -> list[Fact]:
    index = data_dir / "index"
    build_id = builds.current_build_id(index)
    assert build_id
    return builds.read_build(index, build_id)[1].facts


@pytest.fixture(scope="module")
def seed_facts(seed_data_dir: Path) -> list[Fact]:
    return _facts(seed_data_dir)


@pytest.fixture(scope="module")
def corpus_facts(corpus_data_dir: Path) -> list[Fact]:
    return _facts(corpus_data_dir)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip().lower()


@dataclass(frozen=True)
class Want:
    """A fact the table must hold: subject, attribute and (part of) its value."""

    subject: str
    attribute: str
    value: str  # the fact's value must contain this (case-insensitive)
    qualifier: str | None = None  # ... and its qualifier this
    protocol: str | None = None
    platforms: frozenset[str] = field(default_factory=frozenset)  # scoped to at least these
    quote_has: str | None = None  # the quote must also say this

    @property
    def id(self) -> str:
        return f"{self.subject}-{self.attribute}-{self.value}"[:60]


def find(facts: list[Fact], want: Want, doc_id: str | None = None) -> list[Fact]:
    out = []
    for f in facts:
        if f.subject != want.subject or f.attribute != want.attribute:
            continue
        if _squash(want.value) not in _squash(f.value):
            continue
        if doc_id and f.doc_id != doc_id:
            continue
        if want.qualifier and _squash(want.qualifier) not in _squash(f.qualifier or ""):
            continue
        if want.protocol and f.protocol != want.protocol:
            continue
        if not want.platforms <= set(f.platforms):
            continue
        if want.quote_has and _squash(want.quote_has) not in _squash(f.quote):
            continue
        out.append(f)
    return out


def assert_cited(fact: Fact, *, url: str | None = None) -> None:
    """What a reader needs to check the fact: where it is and the sentence saying it."""
    assert _squash(fact.value).replace(" ", "") in _squash(fact.quote).replace(" ", ""), (fact.value, fact.quote)
    assert fact.doc_id and fact.title and fact.section, fact
    assert fact.url and fact.url.startswith("https://"), fact
    if url:
        assert fact.url == url


P = frozenset
SEED_REQUIRED = [
    # HA1: ports, protocols, layer, purposes
    Want("HA1", "port", "28769", qualifier="clear text", protocol="TCP"),
    Want("HA1", "port", "28260", qualifier="clear text", protocol="TCP"),
    Want("HA1", "port", "28", qualifier="encrypted"),
    Want("HA1", "protocol", "SSH over TCP", qualifier="encrypted"),
    Want("HA1", "protocol", "ICMP", qualifier="heartbeats"),
    Want("HA1", "layer", "Layer 3"),
    Want("HA1", "requires", "IP address"),
    Want("HA1", "purpose", "hellos"),
    Want("HA1", "purpose", "heartbeats"),
    Want("HA1", "purpose", "HA state information"),
    Want("HA1", "purpose", "management plane sync for routing"),
    Want("HA1", "purpose", "User-ID information"),
    Want("HA1", "synchronizes", "configuration changes"),
    # HA2: ether type, transports, layer, direction, what it syncs
    Want("HA2", "ethertype", "0x7261", qualifier="default"),
    Want("HA2", "ip-protocol", "99"),
    Want("HA2", "port", "29281", protocol="UDP"),
    Want("HA2", "transport", "IP (protocol number 99)"),
    Want("HA2", "transport", "UDP (port 29281)"),
    Want("HA2", "spans-subnets", "span subnets"),
    Want("HA2", "layer", "Layer 2"),
    Want("HA2", "direction", "unidirectional", qualifier="keep-alive"),
    Want("HA2", "direction", "from the active", quote_has="to the passive"),
    Want("HA2", "synchronizes", "sessions"),
    Want("HA2", "synchronizes", "forwarding tables"),
    Want("HA2", "synchronizes", "IPSec security associations"),
    Want("HA2", "synchronizes", "ARP tables"),
    # heartbeat backup
    Want("heartbeat-backup", "port", "28771", quote_has="MGT interface"),
    Want("heartbeat-backup", "interface", "MGT"),
    # HA3
    Want("HA3", "layer", "Layer 2"),
    Want("HA3", "encapsulation", "MAC-in-MAC"),
    Want("HA3", "not-supported", "Layer 3 addressing"),
    Want("HA3", "not-supported", "encryption"),
    Want("HA3", "not-supported", "backup links"),
    Want(
        "HA3",
        "can-use",
        "aggregate interfaces",
        platforms=P({"PA-800 Series", "PA-3200 Series", "PA-3400 Series", "PA-5200 Series", "PA-5400 Series"}),
    ),
    Want(
        "HA3",
        "can-use",
        "HSCI",
        platforms=P({"PA-3200 Series", "PA-3400 Series", "PA-5200 Series", "PA-5400 Series", "PA-7000 Series"}),
    ),
    Want("HA3", "requires", "MTU", quote_has="greater than the maximum packet length"),
    Want("HA3", "requires", "jumbo frames", quote_has="data ports"),
    Want("HA3", "message-size", "1,500 bytes"),
    # HA4
    Want("HA4", "purpose", "session cache synchronization", quote_has="same cluster ID"),
    Want("HA4-backup", "purpose", "session cache synchronization", quote_has="same cluster ID"),
    Want("HA4", "keepalive", "Layer 2 keepalive"),
    # Platforms without dedicated HA ports
    Want("HA1", "interface", "management port", platforms=P({"PA-220", "PA-220R"})),
    Want("HA1-backup", "interface", "dataplane port", platforms=P({"PA-220", "PA-220R"})),
    Want("HA1", "requires", "Permitted IP list", platforms=P({"PA-220", "PA-220R"}), quote_has="peer HA1 IP address"),
    Want("PA-200", "requires", "data port as a HA interface"),
    Want("PA-400 Series", "requires", "data port as a HA interface"),
    Want("PA-7000 Series", "constraint", "NPCs one-for-one"),
    # Clustering
    Want("HA1", "not-supported", "between cluster members that aren't HA pairs"),
    Want("HA2", "not-supported", "between cluster members that aren't HA pairs"),
    Want("HA3", "not-supported", "between cluster members that aren't HA pairs"),
]


@pytest.mark.parametrize("want", SEED_REQUIRED, ids=lambda w: w.id)
def test_seed_alone_yields_required_fact_with_citation(seed_facts: list[Fact], want: Want) -> None:
    found = find(seed_facts, want)
    assert found, f"missing from the seed's facts: {want}"
    for fact in found:
        assert fact.doc_id == SEED_DOC_ID
        assert fact.title == "HA Links and Backup Links"
        assert fact.version == "PAN-OS 11.1 & Later"
        assert_cited(fact, url=SEED_URL)


def test_every_seed_fact_quotes_its_value(seed_facts: list[Fact]) -> None:
    assert len(seed_facts) >= len(SEED_REQUIRED)
    for fact in seed_facts:
        assert_cited(fact, url=SEED_URL)


def test_seed_navigation_is_not_mistaken_for_facts(seed_facts: list[Fact]) -> None:
    # The scrape opens with hundreds of menu lines ("Configure SAML Authentication",
    # "PAN-OS 10.2"): none may leak into a fact.
    for fact in seed_facts:
        assert "Table of Contents" not in fact.quote
        assert "Configure SAML Authentication" not in fact.quote
        assert not fact.section.endswith("Table of Contents")


def test_seed_never_guesses_a_port_for_ha3_or_ha4(seed_facts: list[Fact]) -> None:
    # The seed gives HA3 and HA4 no port number; a rule that borrowed one from a
    # neighbouring row would tell engineers to open the wrong port.
    assert not [f for f in seed_facts if f.subject in ("HA3", "HA4", "HA4-backup") and f.attribute == "port"]


# -- the corpus copy of the same page (its backup-link guidelines survived) ------

CORPUS_REQUIRED = [
    Want("HA1-backup", "port", "28770"),
    Want("HA1-backup", "port", "28260"),
    Want("HA1-backup", "requires", "separate physical ports"),
    Want("HA2-backup", "requires", "separate physical ports"),
    Want("HA1-backup", "requires", "different subnet"),
    Want("HA1-backup", "not-supported", "IPv6", platforms=P({"PA-3200 Series"})),
]


@pytest.mark.parametrize("want", CORPUS_REQUIRED, ids=lambda w: w.id)
def test_corpus_page_yields_backup_link_guidelines(corpus_facts: list[Fact], want: Want) -> None:
    found = find(corpus_facts, want, doc_id=CORPUS_LINKS_DOC)
    assert found, f"missing from the corpus page {CORPUS_LINKS_DOC}: {want}"
    for fact in found:
        assert_cited(fact)
        assert "ha-links-and-backup-links" in (fact.url or "")


def test_corpus_ipv6_restriction_names_pa3200_not_every_platform(corpus_facts: list[Fact]) -> None:
    found = find(corpus_facts, Want("HA1-backup", "not-supported", "IPv6"), doc_id=CORPUS_LINKS_DOC)
    assert found and all(f.platforms == ["PA-3200 Series"] for f in found)


def test_disagreeing_ether_types_are_both_kept_and_marked(corpus_facts: list[Fact]) -> None:
    ether = [f for f in corpus_facts if f.subject == "HA2" and f.attribute == "ethertype"]
    by_value = {f.value.lower(): f for f in ether}
    assert {"0x7261", "0x7262"} <= set(by_value), [f.value for f in ether]
    assert all(f.conflict for f in ether if f.value.lower() in ("0x7261", "0x7262"))
    assert by_value["0x7262"].doc_id == CORPUS_PORTS_DOC
    assert by_value["0x7261"].doc_id != CORPUS_PORTS_DOC
    for f in ether:
        assert_cited(f)


def test_agreeing_documents_are_not_marked_conflicting(corpus_facts: list[Fact]) -> None:
    # HA2 is Layer 2 on every page that says so: no disagreement to flag.
    layer = [f for f in corpus_facts if f.subject == "HA2" and f.attribute == "layer"]
    assert len({f.doc_id for f in layer}) >= 2
    assert not any(f.conflict for f in layer)


def test_seed_alone_has_no_conflicts(seed_facts: list[Fact]) -> None:
    assert not any(f.conflict for f in seed_facts)


# -- platform resolution -----------------------------------------------------


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("PA-3260", "PA-3200 Series"),
        ("PA-440", "PA-400 Series"),
        ("PA-5450", "PA-5400 Series"),
        ("PA-7050", "PA-7000 Series"),
        ("PA-220R", "PA-220"),
        ("pa3260", "PA-3200 Series"),
    ],
)
def test_model_resolves_to_its_documented_family(seed_facts: list[Fact], model: str, family: str) -> None:
    table = FactTable(seed_facts)
    names = table.resolve(model)
    assert family in names
    # ... and the family's facts answer for the model.
    about = table.about_platforms(names)
    assert about and any(family == f.subject or family in f.platforms for f in about)


def test_family_fact_answers_for_its_model(seed_facts: list[Fact]) -> None:
    table = FactTable(seed_facts)
    ha3_on_3260 = [
        f for f in table.about_platforms(table.resolve("PA-3260")) if f.subject == "HA3" and f.attribute == "can-use"
    ]
    assert {f.value for f in ha3_on_3260} >= {"aggregate interfaces"}


@pytest.mark.parametrize("model", ["PA-9999", "PA-1", "VM-9000", "HA5"])
def test_unknown_model_stays_unknown(seed_facts: list[Fact], model: str) -> None:
    table = FactTable(seed_facts)
    assert table.resolve(model) == []


def test_corpus_resolves_models_and_not_unknown_ones(corpus_facts: list[Fact]) -> None:
    table = FactTable(corpus_facts)
    assert "PA-3200 Series" in table.resolve("PA-3260")
    assert table.resolve("PA-9999") == []


# -- one source per URL, table cells, where subjects come from (issue 10) ---------


def test_seed_and_corpus_copy_of_one_url_are_one_source(corpus_data_dir: Path, corpus_facts: list[Fact]) -> None:
    # The seed is an older scrape of the corpus page: same URL, so one source, the fuller copy.
    index = corpus_data_dir / "index"
    manifest = builds.read_manifest(builds.build_path(index, builds.current_build_id(index) or ""))
    same_url = [d for d in manifest.documents if d.url == SEED_URL]
    assert [d.doc_id for d in same_url] == [CORPUS_LINKS_DOC]
    assert same_url[0].aliases == (SEED_DOC_ID,) and same_url[0].version == "PAN-OS 11.1 & Later"
    assert {f.doc_id for f in corpus_facts if f.url == SEED_URL} == {CORPUS_LINKS_DOC}
    # ... and every fact the seed gives is still there, once.
    for want in SEED_REQUIRED:
        found = find(corpus_facts, want, doc_id=CORPUS_LINKS_DOC)
        assert found, f"missing from the one source of {SEED_URL}: {want}"
        keys = [(f.subject, f.attribute, f.value, f.qualifier, tuple(f.platforms)) for f in found]
        assert len(keys) == len(set(keys)), found


def test_members_per_cluster_are_platform_facts(corpus_facts: list[Fact]) -> None:
    for platform, value in [("PA-3200 Series", "6"), ("PA-5200 Series", "16"), ("PA-7080", "4"), ("PA-7050", "6")]:
        found = find(corpus_facts, Want(platform, "max-members", value, platforms=P({platform})))
        assert [f.value for f in found] == [value], platform
        assert_cited(found[0])
        assert platform in found[0].quote


def test_every_corpus_fact_says_where_its_subject_came_from(corpus_facts: list[Fact]) -> None:
    assert {f.subject_from for f in corpus_facts} <= {"quote", "row_label", "heading", "inline_label"}
    assert all(f.subject_from for f in corpus_facts)


NEGATIVE_FACTS = Path(__file__).resolve().parents[1] / "eval" / "negative_facts.jsonl"
SCOPED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "scoped"


def _states(fact: Fact, subject: str, attribute: str, value: str) -> bool:
    """The eval's reading of a negative fact: names compare without case, spaces or hyphens;
    the value is a whole word of the row's value with its protocol and qualifier."""

    def name(text: str) -> str:
        return re.sub(r"[\s_-]+", "", text.lower())

    if name(fact.subject) != name(subject) or name(fact.attribute) != name(attribute):
        return False
    stated = re.sub(
        r"(?<=\d),(?=\d{3})", "", " ".join(filter(None, [fact.value, fact.protocol, fact.qualifier])).lower()
    )
    return re.search(rf"(?<![\w.]){re.escape(value.lower())}(?![\w])", stated) is not None


@pytest.mark.skipif(not NEGATIVE_FACTS.is_file(), reason="no negative facts list")
def test_no_negative_fact_in_seed_pages_or_scoped_pages(seed_facts: list[Fact], corpus_facts: list[Fact]) -> None:
    import json

    from hakb.ingest.facts import FactExtractor
    from hakb.ingest.parse import read_document

    negatives = [json.loads(line) for line in NEGATIVE_FACTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    facts = list(seed_facts) + list(corpus_facts)
    for path in sorted(SCOPED.glob("*.md")):
        meta, sections = read_document(path)
        facts.extend(FactExtractor(meta).extract(sections))
    wrong = [
        (n["subject"], n["attribute"], n["value"], f.doc_id, f.quote)
        for n in negatives
        for f in facts
        if _states(f, n["subject"], n["attribute"], n["value"])
    ]
    assert not wrong
