"""The scope a question names (product, deployment, PAN-OS version, model), read off the
question so that a version is never taken for a port and the rest is asked as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.models import Chunk, DocumentMeta, Fact, Manifest, Scope
from hakb.ingest.parse import read_document
from hakb.ingest.scope import unify_products
from hakb.service.scope import NameVocabulary, QuestionScope, ScopeIndex, ScopeVocabulary, read_question_scope

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SEED = Path(__file__).resolve().parents[1] / "data" / "docs" / "ha-links-and-backup-links.txt"

NGFW_10_1 = Scope(product="ngfw", product_name="Next-Generation Firewall", versions=("10.1",), doc_type="admin-guide")
NGFW_12_2 = Scope(product="ngfw", product_name="Next-Generation Firewall", versions=("12.2",), doc_type="help")
NGFW_CURRENT = Scope(product="ngfw", product_name="Next-Generation Firewall", latest=True, doc_type="admin-guide")
NGFW_SINCE = Scope(product="ngfw", product_name="Next-Generation Firewall", since="11.1")
CN_AWS = Scope(product="cn-series", product_name="CN-Series", deployment="aws", deployment_name="AWS", since="10.2")
PANORAMA = Scope(product="panorama", product_name="Panorama", versions=("12.1",), doc_type="help")
VOCABULARY = ScopeVocabulary(
    [NGFW_10_1, NGFW_12_2, NGFW_CURRENT, NGFW_SINCE, CN_AWS, PANORAMA], frozenset({"PA-3400 Series", "PA-7000 Series"})
)


@pytest.mark.parametrize(
    ("question", "text", "versions"),
    [
        ("12.2: which models have the Device ID field?", "which models have the Device ID field?", ("12.2",)),
        ("10.1 help: heartbeat interval range/default?", "heartbeat interval range/default?", ("10.1",)),
        ("pan-os 9.0 ha2 keep-alive threshold range?", "ha2 keep-alive threshold range?", ("9.0",)),
        ("what port does ha1 use on PAN-OS 10.2?", "what port does ha1 use?", ("10.2",)),
        ("ha1 port for 10.1.x", "ha1 port", ("10.1",)),
        ("is HA1 encrypted in 11.1.7?", "is HA1 encrypted?", ("11.1.7",)),
        ("in 10.2, ha2 transport?", "ha2 transport?", ("10.2",)),
        ("what changed for HA3 between 10.1 and 11.1?", "what changed for HA3?", ("10.1", "11.1")),
        # The guide a release is named with goes with it: "admin guide" is not what is asked.
        ("10.1 admin guide: ha1-backup with an ipv6 address?", "ha1-backup with an ipv6 address?", ("10.1",)),
        ("pan-os 10.2 administrator's guide ha1 port", "ha1 port", ("10.2",)),
    ],
)
def test_a_version_is_read_off_the_question_never_left_as_a_number(
    question: str, text: str, versions: tuple[str, ...]
) -> None:
    asked = read_question_scope(question, VOCABULARY)
    assert asked.scope.versions == versions
    assert asked.text == text


@pytest.mark.parametrize(
    "question",
    [
        "what is the ha1 port 28769 used for?",
        "heartbeat interval 1.5 seconds ok?",
        "ha1 ip 10.1.1.1 netmask?",
        "can I set up HA1/HA2 backup links?",
    ],
)
def test_numbers_that_are_no_release_stay_in_the_question(question: str) -> None:
    asked = read_question_scope(question, VOCABULARY)
    assert asked.scope.empty and asked.text == question


def test_a_help_version_asks_for_the_web_interface_help() -> None:
    assert read_question_scope("10.1 help: heartbeat interval?", VOCABULARY).scope.doc_type == "help"


@pytest.mark.parametrize(
    ("question", "product", "deployment", "text"),
    [
        ("On a VM-Series firewall in AWS, which port is used for HA1?", "vm-series", "aws", "which port is used for HA1?"),
        ("vm-series aws: which interface has to be the HA2 link?", "vm-series", "aws", "which interface has to be the HA2 link?"),
        ("cn-series: ha1 port?", "cn-series", None, "ha1 port?"),
        ("CN-Series firewall on AWS EKS: which port is HA1?", "cn-series", "aws", "which port is HA1?"),
        ("lowest path-mon ping interval on panorama?", "panorama", None, "lowest path-mon ping interval?"),
        ("next-generation firewall 10.2: ha timers", "ngfw", None, "ha timers"),
        ("VM-Series on Azure ha2 port?", "vm-series", "azure", "ha2 port?"),
    ],
)  # fmt: skip
def test_products_and_deployments_are_read_in_the_documents_words(
    question: str, product: str, deployment: str | None, text: str
) -> None:
    asked = read_question_scope(question, VOCABULARY)
    assert (asked.scope.product, asked.scope.deployment) == (product, deployment)
    assert asked.text == text


def test_a_product_the_documents_name_is_shown_as_they_write_it() -> None:
    asked = read_question_scope("cn series on aws: ha1 port?", VOCABULARY).scope
    assert (asked.product_name, asked.deployment_name) == ("CN-Series", "AWS")
    assert asked.label == "CN-Series on AWS"


def test_a_model_is_scoped_to_its_documented_family_and_stays_in_the_question() -> None:
    asked = read_question_scope("is HA1 on a PA-3410 running 11.1.7 encrypted?", VOCABULARY)
    assert asked.scope.model == "PA-3410" and asked.scope.families == ("PA-3400 Series",)
    assert asked.scope.versions == ("11.1.7",)
    assert asked.text == "is HA1 on a PA-3410 encrypted?"


def test_what_a_question_admits_and_what_it_asks_exactly() -> None:
    cn = read_question_scope("cn-series on aws, PAN-OS 11.1: ha1 port?", VOCABULARY).scope
    assert cn.admits(CN_AWS) and cn.exact(CN_AWS)
    assert not cn.admits(PANORAMA) and not cn.admits(NGFW_10_1)
    v101 = read_question_scope("PAN-OS 10.1 ha1 port?", VOCABULARY).scope
    assert v101.admits(NGFW_10_1) and v101.exact(NGFW_10_1)
    assert not v101.admits(NGFW_12_2)  # another version's page
    assert v101.admits(NGFW_CURRENT) and not v101.exact(NGFW_CURRENT)  # current docs: cannot say
    assert v101.admits(None)  # an older build's fact, without a scope
    pa = read_question_scope("PA-3410 ha1 port?", VOCABULARY).scope
    assert not pa.admits(Scope(product="ngfw", platforms=("PA-7000 Series",)))


@pytest.mark.parametrize(
    ("question", "uncovered"),
    [
        ("VM-Series on Azure: ha2 port?", ["VM-Series", "Azure"]),
        ("what is the HA2 keep-alive threshold in PAN-OS 9.1?", ["PAN-OS 9.1"]),
        ("panorama on aws ha1 port?", ["Panorama on AWS"]),
        ("cn-series PAN-OS 10.1: ha1?", ["PAN-OS 10.1"]),
        ("PAN-OS 11.1.7 ha1 port?", []),  # "11.1 & later"
        ("cn-series: ha1?", []),
    ],
)
def test_a_scope_no_document_covers_is_named(question: str, uncovered: list[str]) -> None:
    assert VOCABULARY.uncovered(read_question_scope(question, VOCABULARY).scope) == uncovered


def test_the_documents_say_which_scopes_they_cover() -> None:
    assert VOCABULARY.describe() == (
        "Next-Generation Firewall (PAN-OS 10.1, 12.2, 11.1 & later); CN-Series on AWS (PAN-OS 10.2 & later); "
        "Panorama (PAN-OS 12.1)"
    )


def test_without_a_vocabulary_structural_shapes_still_read() -> None:
    asked = read_question_scope("vm-series on aws PAN-OS 10.2: ha2 interface?")
    assert asked.scope == QuestionScope(
        product="vm-series",
        product_name="VM-Series",
        deployment="aws",
        deployment_name="AWS",
        versions=("10.2",),
    )
    assert asked.text == "ha2 interface?"


@pytest.mark.skipif(not (CORPUS / "scoped").is_dir(), reason="development corpus not available")
def test_the_vocabulary_of_the_corpus_is_what_its_pages_say() -> None:
    metas = [read_document(p)[0] for p in sorted((CORPUS / "scoped").glob("*.md"))] + [read_document(SEED)[0]]
    vocabulary = ScopeVocabulary(unify_products([m.scope for m in metas if m.scope]))
    assert vocabulary.products == {
        "cn-series": "CN-Series",
        "ngfw": "Next-Generation Firewall",
        "panorama": "Panorama",
    }
    assert vocabulary.deployments == {"aws": "AWS"}
    asked = read_question_scope("Panorama 12.1: monitor hold time range?", vocabulary)
    assert (asked.scope.product, asked.scope.versions, asked.text) == (
        "panorama",
        ("12.1",),
        "monitor hold time range?",
    )
    assert vocabulary.uncovered(read_question_scope("pan-os 9.0 ha2 keep-alive?", vocabulary).scope) == ["PAN-OS 9.0"]


def test_a_build_vocabulary_holds_what_a_sentence_named_and_older_builds_fall_back_to_pages() -> None:
    vm_aws = Scope(product="vm-series", product_name="VM-Series", deployment="aws", deployment_name="AWS")
    page = DocumentMeta(doc_id="d", title="T", source="x", kind="markdown", sha256="0", scope=NGFW_12_2)
    manifest = Manifest(
        build_id="b", created_at="", embedder="e", documents=[page], counts={}, scopes=[NGFW_12_2, vm_aws]
    )
    vocabulary = ScopeVocabulary.from_manifest(manifest)
    asked = read_question_scope("On a VM-Series firewall in AWS, which port is used for HA1?", vocabulary).scope
    assert vocabulary.uncovered(asked) == []
    azure = read_question_scope("vm-series on azure: ha1 port?", vocabulary).scope
    assert vocabulary.uncovered(azure) == ["Azure"]
    older = ScopeVocabulary.from_manifest(manifest.model_copy(update={"scopes": []}))
    assert older.scopes == [NGFW_12_2]


def test_the_scope_index_masks_chunks_and_facts_of_other_scopes() -> None:
    def chunk(cid: str, scope: Scope | None) -> Chunk:
        return Chunk(chunk_id=cid, doc_id=cid, title="T", section="T", text="HA1 uses port 28901.", scope=scope)

    chunks = [chunk("v101", NGFW_10_1), chunk("v122", NGFW_12_2), chunk("cn", CN_AWS), chunk("old", None)]
    facts = [
        Fact(
            subject="HA1",
            attribute="port",
            value="28901",
            doc_id=c.doc_id,
            title="T",
            section="T",
            quote="q",
            scope=c.scope,
        )
        for c in chunks
    ]
    index = ScopeIndex(chunks, facts)
    asked = read_question_scope("PAN-OS 10.1: ha1 port?", VOCABULARY).scope
    # Not the 12.2 help, nor the CN-Series pages (10.2 & later); a fact without a scope stays.
    assert index.chunk_ids(asked) == {"v101", "old"}
    assert index.fact_positions(asked) == {0, 3}
    cn = read_question_scope("cn-series: ha1 port?", VOCABULARY).scope
    assert index.chunk_ids(cn) == {"cn", "old"}
    # A firewall page's passage with a sentence about the VM-Series firewall in AWS.
    vm_text = "HA1 uses port 28901. On the VM-Series firewall in AWS, the management port is used for HA1."
    vm = ScopeIndex([Chunk(chunk_id="vm", doc_id="d", title="T", section="T", text=vm_text, scope=NGFW_12_2)])
    asked_vm = read_question_scope("vm-series on aws: ha1 port?", VOCABULARY).scope
    assert vm.chunk_ids(asked_vm) == {"vm"} and vm.chunk_ids(cn) == set()
    assert index.chunk_ids(cn) is index.chunk_ids(cn)  # kept per asked scope


def test_a_message_opening_with_a_release_number_names_that_release() -> None:
    asked = read_question_scope("8.1 heartbeat backup port?")
    assert asked.scope.versions == ("8.1",)
    assert asked.text == "heartbeat backup port?"
    # A number inside a question is still a number.
    assert read_question_scope("ha1 port 28.5?").scope.versions == ()


def test_slack_markup_around_a_release_number_still_names_it(seed_engine) -> None:  # type: ignore[no-untyped-def]
    # PAN-OS 8.1 is older than any page of the seed ("11.1 & later"): named, it is an abstain.
    for question in ("*8.1* heartbeat backup port?", "<@U0ABC123> 8.1 heartbeat backup port?"):
        answer = seed_engine.ask(question)
        assert answer.kind == "abstain" and "PAN-OS 8.1" in answer.answer, answer.answer


NAME_TEXTS = [
    "The VM-Series firewall on AWS uses the management interface for HA1.",
    "Configure the HA pair from Strata Cloud Manager; the Prisma Access settings are elsewhere.",
    "Log in to Strata Cloud Manager and open the Prisma Access view.",
    "The CN-Series on AWS needs a container image of 10.2 or later.",
]
NAME_WORDS = {w for t in NAME_TEXTS for w in t.lower().replace(";", " ").replace(".", " ").split()}


@pytest.mark.parametrize(
    ("question", "names"),
    [
        # A cloud's name with a word the documents never write after it: another place.
        ("vm-series on aws outposts - ha supported?", ["aws outposts"]),
        # A proper name the documents use with a word they never use: another product.
        ("prisma sd-wan devices in ha?", ["prisma sd-wan"]),
        # A capitalised word of the documents before a product's name they never put there.
        ("cloud vm-series: how do i configure ha?", ["cloud vm-series"]),
        # A product on or in a place the documents never name: a deployment they do not
        # cover, a name word they use after it ("Cloud") part of it.
        ("vm-series on ibm cloud - ha supported?", ["ibm cloud"]),
        ("vm-series on nutanix: ha1 port?", ["nutanix"]),
        ("vm-series in the lab: ha1 port?", []),
        ("vm-series (ibm cloud) ha support?", ["ibm cloud"]),
        ("vm-series (aws) ha1 port?", []),
        ("ha for vm-series deployed on nutanix?", ["nutanix"]),
        ("cn-series running in the lab: ha1 port?", []),
        # What the documents write, chat, and a part of a product are no other product.
        ("vm-series on aws - which port for ha1?", []),
        ("pls vm-series on aws today - ha1 port?", []),
        ("customer asking: vm-series ha1?", []),
        ("cn-series image: which version?", []),
    ],
)
def test_a_name_no_document_writes_is_found(question: str, names: list[str]) -> None:
    vocabulary = ScopeVocabulary([Scope(product="vm-series", product_name="VM-Series", deployment="aws")])
    found = NameVocabulary.from_texts(NAME_TEXTS).undocumented(question, vocabulary, lambda w: w in NAME_WORDS)
    assert found == names


@pytest.mark.parametrize(
    "question",
    [
        "11.2 web help: the ha1 monitor hold time - what does it watch?",
        "customer asking: 11.2 web help: the ha1 monitor hold time - what does it watch?",
        "11.2 web-interface help - the ha1 monitor hold time - what does it watch?",
    ],
)
def test_the_web_help_of_a_release_names_its_help_pages(question: str) -> None:
    asked = read_question_scope(question, VOCABULARY)
    assert (asked.scope.versions, asked.scope.doc_type) == (("11.2",), "help")
    assert asked.text.endswith("the ha1 monitor hold time - what does it watch?")
    assert "help" not in asked.text


@pytest.mark.parametrize(
    "question",
    ["on the fw's own gui (not panorama) where do i see its node id?", "ha1 port, except on aws?"],
)
def test_a_name_the_question_sets_aside_is_not_its_scope(question: str) -> None:
    asked = read_question_scope(question, VOCABULARY)
    assert asked.scope.empty
    assert asked.text == question


def test_a_version_asked_without_a_product_is_the_one_the_question_is_answered_for() -> None:
    # Another product's "10.2 & later" does not cover a release the main product's pages lack.
    asked = read_question_scope("ha1 port in PAN-OS 10.2?", VOCABULARY).scope
    assert VOCABULARY.uncovered(asked) == []
    assert VOCABULARY.uncovered(asked, "ngfw") == ["PAN-OS 10.2"]
    assert VOCABULARY.uncovered(read_question_scope("ha1 port in PAN-OS 10.1?", VOCABULARY).scope, "ngfw") == []
