"""The ranked answer engine: rewordings keep their meaning, qualifiers are respected,
thread context fills only what a question lacks, and the parts are measurable.

Real builds (the seed), no mocks. The questions here are written for these tests,
not taken from the gold, test or sealed splits (a test below enforces that).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import Citation, Fact, Scope
from hakb.service.engine import PARTS, Engine
from hakb.service.ranking import text as tx
from hakb.service.ranking.evidence import FEATURES
from hakb.service.ranking.ranker import WEIGHTS_PATH, LinearRanker, RankerError
from hakb.settings import Settings
from tests.conftest import ingest, make_data_dir

ROOT = Path(__file__).resolve().parents[1]

# -- polarity: negation scope, not phrase lists ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ha1 port without encryption", -1),
        ("ha1 port with encryption disabled", -1),
        ("ha1 port, encryption off", -1),
        ("which port when the link is not encrypted", -1),
        ("ha1 port if encryption is not enabled", -1),
        ("port for unencrypted ha1", -1),
        ("ha1 port with encryption enabled", 1),
        ("encrypted ha1 port", 1),
        ("ha1 port", 0),
    ],
)
def test_polarity_reads_negation_scope(text: str, expected: int) -> None:
    assert tx.polarity(text, frozenset({tx.stem("encryption")})) == expected


def test_snowball_keeps_interval_interface_and_internal_apart() -> None:
    stems = {tx.stem(w) for w in ("interval", "interface", "internal")}
    assert len(stems) == 3
    # ...while a chat abbreviation still meets its full word.
    index = tx.StemIndex(tx.stems_of("configuration synchronization"))
    assert index.expand(tx.stem("config")) & tx.stems_of("configuration synchronization")


# -- meaning: a reworded negation never flips the answer ----------------------------

CLEAR_TEXT_ASKS = [
    "ha1 port without encryption enabled?",
    "tcp port for ha1 when we turned encryption off",
    "ha1 - encryption disabled on both peers - port?",
    "port of the control link when encryption is not on",
]
ENCRYPTED_ASKS = [
    "ha1 port with encryption on",
    "which port does the control link use once encryption is enabled",
]


@pytest.mark.parametrize("question", CLEAR_TEXT_ASKS)
def test_negated_encryption_answers_the_clear_text_ports(seed_engine: Engine, question: str) -> None:
    answer = seed_engine.ask(question)
    assert answer.kind == "fact", answer.answer
    assert "28769" in answer.answer
    # The encrypted port is the opposite of what was asked: it must not be the answer.
    assert "TCP 28 " not in answer.answer and "(encrypted)" not in answer.answer


def test_a_negated_question_with_no_value_cue_still_holds_the_clear_text_ports(seed_engine: Engine) -> None:
    # Nothing here asks for "port", so the engine may answer with the sentence itself;
    # it must still hold the clear-text ports, never the encrypted port alone.
    answer = seed_engine.ask("what does ha1 listen on if it isn't encrypted")
    assert answer.kind != "abstain"
    assert "28769" in answer.answer


@pytest.mark.parametrize("question", ENCRYPTED_ASKS)
def test_encryption_on_answers_the_encrypted_port(seed_engine: Engine, question: str) -> None:
    answer = seed_engine.ask(question)
    assert answer.kind == "fact", answer.answer
    assert "28 (encrypted)" in answer.answer
    assert "28769" not in answer.answer


def test_chat_filler_around_an_answered_question_still_answers(seed_engine: Engine) -> None:
    plain = seed_engine.ask("heartbeat backup port?")
    assert "28771" in plain.answer
    for wrapped in ("customer asking: heartbeat backup port?", "heartbeat backup port? any idea?"):
        answer = seed_engine.ask(wrapped)
        assert answer.kind != "abstain", wrapped
        assert "28771" in answer.answer, wrapped


def test_answers_carry_score_and_cite_every_value(seed_engine: Engine) -> None:
    answer = seed_engine.ask("ha2 udp port?")
    assert answer.score is not None and 0 < answer.score <= 1
    assert "29281" in answer.answer
    assert any("29281" in c.quote for c in answer.citations)


# -- thread context ------------------------------------------------------------------


def test_context_does_not_override_a_question_with_its_own_topic(seed_engine: Engine) -> None:
    answer = seed_engine.ask("what is the capital of france", context="what port does ha1 use")
    assert answer.kind == "abstain", answer.answer


def test_context_fills_the_subject_a_follow_up_lacks(seed_engine: Engine) -> None:
    answer = seed_engine.ask("and the backup port?", context="what port does ha1 use")
    assert answer.kind != "abstain"
    assert "28770" in answer.answer or "28260" in answer.answer


def test_a_follow_up_naming_only_a_platform_asks_the_thread_question_of_it(seed_engine: Engine) -> None:
    asked = seed_engine.ask("does a PA-3220 have dedicated HA ports?")
    assert asked.kind == "fact" and asked.answer.startswith("Yes"), asked.answer
    for follow_up in ("and a pa-3220?", "what about on the 3220?"):
        answer = seed_engine.ask(follow_up, context="does a PA-440 have dedicated HA ports?")
        assert answer.answer.split(" Source:")[0] == asked.answer.split(" Source:")[0], (follow_up, answer.answer)


# -- the evidence list and the parts ---------------------------------------------------


def test_evidence_is_one_list_of_facts_and_sentences_best_first(seed_engine: Engine) -> None:
    evidence = seed_engine.evidence("what port does ha1 use in clear text")
    assert {e.source for e in evidence} == {"fact", "passage"}
    # Best first within a scope: general statements, then platform-only ones.
    for general in (True, False):
        scores = [e.score for e in evidence if (e.features.get("platform", 0.0) >= 0) == general]
        assert scores == sorted(scores, reverse=True)
    assert all(set(e.features) <= set(FEATURES) for e in evidence)


def test_every_part_can_be_switched_off(seed_engine: Engine) -> None:
    for part in PARTS:
        engine = Engine(seed_engine.holder, seed_engine.retriever.embedder, ablate={part})
        answer = engine.ask("ha1 clear text port")
        assert answer.kind in ("fact", "passage", "abstain")
    no_facts = Engine(seed_engine.holder, seed_engine.retriever.embedder, ablate={"facts"})
    assert no_facts.ask("ha1 clear text port").kind != "fact"
    with pytest.raises(ValueError, match="unknown engine part"):
        Engine(seed_engine.holder, seed_engine.retriever.embedder, ablate={"magic"})


def test_saved_weights_fit_the_features_and_are_refused_otherwise(tmp_path: Path) -> None:
    ranker = LinearRanker.load()
    assert len(ranker.weights) == len(FEATURES)
    assert 0 < ranker.threshold < 1
    raw = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert "dev" in raw["fitted_on"]
    raw["features"] = raw["features"][:-1]
    stale = tmp_path / "weights.json"
    stale.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(RankerError):
        LinearRanker.load(stale)


# -- no gold question in the code --------------------------------------------------------


def _questions(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        if raw.get("split") in ("test", "sealed") and "question" in raw:
            out.append(raw["question"])
        for side in ("a", "b"):
            if raw.get("split") == "test" and side in raw:
                out.append(raw[side]["question"])
    return out


def test_no_test_or_sealed_question_appears_in_the_source_tree() -> None:
    questions = []
    for name in ("gold.jsonl", "sealed.jsonl", "directional.jsonl"):
        path = ROOT / "eval" / name
        if path.is_file():
            questions += _questions(path)
    # Short questions ("ha1 port?") are common phrases, not quotations of the split.
    wanted = {q.lower() for q in questions if len(q) >= 24}
    assert wanted
    sources = [p for d in ("hakb", "ingest", "service", "eval", "tests", "scripts") for p in (ROOT / d).rglob("*.py")]
    offenders = []
    for path in sources:
        text = path.read_text(encoding="utf-8").lower()
        offenders += [f"{path.relative_to(ROOT)}: {q!r}" for q in wanted if q in text]
    assert not offenders, offenders


def test_a_sentence_announcing_the_sections_under_it_answers_with_them(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # The sections are invented: the list comes from the document's structure, not from
    # anything the engine knows about HA states.
    data_dir = make_data_dir(tmp_path / "data")
    (data_dir / "docs" / "widget-states.md").write_text(
        "# Widget Relay States\n\n"
        "A widget relay can be in one of the following states:\n\n"
        "## Dormant\n\nDormant: the relay waits for a beacon from its partner.\n\n"
        "## Beaconing\n\nBeaconing: the relay sends a beacon every second.\n\n"
        "## Quarantined\n\nQuarantined: the relay refuses traffic until an operator clears it.\n",
        encoding="utf-8",
    )
    result = ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True)
    assert result.ok, result.error
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh()
    answer = engine.ask("which states can a widget relay be in?")
    assert answer.kind == "passage", answer.answer
    for state in ("Dormant", "Beaconing", "Quarantined"):
        assert f"- {state}" in answer.answer
    assert any("Quarantined" in c.quote for c in answer.citations)


def _engine_with_pages(tmp_path: Path, onnx_embedder: OnnxEmbedder, pages: dict[str, tuple[str, str]]) -> Engine:
    """The seed plus invented Markdown pages (file name -> (URL path, body)), ingested."""
    data_dir = make_data_dir(tmp_path / "data")
    docs = data_dir / "docs"
    for name, (path, body) in pages.items():
        (docs / name).write_text(f"---\nurl: https://docs.paloaltonetworks.com/{path}\n---\n\n{body}", encoding="utf-8")
    assert ingest(data_dir, [docs], onnx_embedder, replace=True).ok
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh()
    return engine


def test_an_unscoped_answer_is_for_the_main_product_and_names_what_others_document(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # Invented pages: the main product (most pages) and another product documenting the
    # same setting with another value.
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "timers.md": (
                "ngfw/administration/widget-timers",
                "# Widget Timers\n\nThe widget pair uses these timers.\n\n## Beacon Interval (ms)\n\n"
                "Enter how often a widget sends a beacon (range is 100 to 9,000; default is 700).\n",
            ),
            "gizmo.md": (
                "gizmo-series/deployment/gizmo-timers",
                "# Gizmo Timers\n\nThe Gizmo-Series pair uses these timers.\n\n## Beacon Interval (ms)\n\n"
                "Enter how often a gizmo sends a beacon (range is 100 to 9,000; default is 4,400).\n",
            ),
        },
    )
    unscoped = engine.ask("beacon interval default?")
    first, _, rest = unscoped.answer.partition("\n")
    assert "700" in first and "4,400" not in first
    assert "4,400" in rest and "gizmo" in rest.lower()  # the other product's value, with its scope
    assert any("4,400" in c.quote for c in unscoped.citations)
    scoped = engine.ask("gizmo-series: beacon interval default?")
    assert "4,400" in scoped.answer and "700" not in scoped.answer


def test_an_unscoped_yes_or_no_names_the_product_whose_documents_say_the_opposite(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # The seed says in-band ports can be used for HA1 and HA2 backup links; an invented
    # page of another product says that product does not support them (and one more
    # invented page of the main product keeps it the product most pages are about).
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "widget.md": (
                "ngfw/administration/widget-backup-links",
                "# Widget Backup Links\n\nThe widget pair uses backup links.\n\n"
                "Widget backup links can be set up for HA1 and HA2 when dedicated backup links are not available.\n",
            ),
            "gizmo.md": (
                "gizmo-series/deployment/gizmo-ha-links",
                "# Gizmo HA Links\n\nThe Gizmo-Series pair uses HA links.\n\n"
                "The Gizmo-Series firewall does not support widget backup links for HA1 or HA2.\n",
            ),
        },
    )
    answer = engine.ask("can widget backup links be set up for ha1 and ha2?")
    first, _, rest = answer.answer.partition("\n")
    assert first.startswith("Yes.") and "Gizmo" not in first, answer.answer
    assert "Gizmo" in rest and "No (" in rest and "does not support widget backup links" in rest, answer.answer
    assert any("Gizmo-Series firewall does not support" in c.quote for c in answer.citations)
    # Asked in its scope, the other product's answer is the answer.
    scoped = engine.ask("gizmo-series: can widget backup links be set up for ha1 and ha2?")
    assert scoped.answer.startswith("No."), scoped.answer


def test_one_value_written_two_ways_is_said_once_and_is_no_disagreement() -> None:
    from hakb.ingest.models import Fact
    from hakb.service import question as qparse
    from hakb.service import rules
    from hakb.service.facts_table import FactTable

    def fact(value: str, doc: str) -> Fact:
        # Flagged in the build because a third page (another product) says 5,000.
        return Fact(
            subject="Beacon Interval", attribute="default", value=value, doc_id=doc, title=doc,
            section=doc, quote=f"The beacon interval default is {value}.", conflict=True,
        )  # fmt: skip

    facts = [fact("200", "guide"), fact("200ms", "help")]
    result = rules.render(qparse.parse("beacon interval default?")[0], facts, "default", [], FactTable(facts))
    assert "documents differ" not in result.text
    assert result.text.count("200") == 1


def _conflicting(value: str, section: str, platforms: list[str] | None = None, scope: Scope | None = None) -> Fact:
    cited = Citation(
        doc_id=section, title=section.split(" > ")[0], section=section,
        quote=f"The beacon interval default is {value}.", scope=scope,
    )  # fmt: skip
    return Fact(
        subject="Beacon Interval", attribute="default", value=value, citation=cited, conflict=True,
        platforms=platforms or [],
    )  # fmt: skip


def test_of_disagreeing_values_the_one_under_the_heading_asked_about_answers() -> None:
    from hakb.service import question as qparse
    from hakb.service import rules
    from hakb.service.facts_table import FactTable

    facts = [
        _conflicting("700", "Configure Widgets > Web Console"),
        _conflicting("900", "Configure Widgets > Gizmo Hub"),
    ]
    table = FactTable(facts)
    hub = rules.render(qparse.parse("beacon interval default in gizmo hub?")[0], facts, "default", [], table)
    assert "900" in hub.text and "700" not in hub.text
    console = rules.render(qparse.parse("beacon interval default in the web console?")[0], facts, "default", [], table)
    assert "700" in console.text and "900" not in console.text
    # Nothing in the question tells them apart: both, shown as a disagreement.
    either = rules.render(qparse.parse("beacon interval default?")[0], facts, "default", [], table)
    assert "documents differ" in either.text and "700" in either.text and "900" in either.text


def test_two_versions_of_one_page_that_disagree_are_told_apart_by_their_versions() -> None:
    from hakb.service import question as qparse
    from hakb.service import rules
    from hakb.service.facts_table import FactTable

    old = _conflicting("700", "Widget Timers", scope=Scope(versions=("10.1",)))
    new = _conflicting("900", "Widget Timers", scope=Scope(versions=("11.1",)))
    text = rules.render(
        qparse.parse("beacon interval default?")[0], [old, new], "default", [], FactTable([old, new])
    ).text
    assert "700 (Widget Timers, PAN-OS 10.1)" in text
    assert "900 (Widget Timers, PAN-OS 11.1)" in text


def test_not_encrypted_also_rules_out_what_the_documents_describe_as_the_encrypted_kind(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # Invented ports. The page calls the encrypted port "SSH over TCP", so a row "ssh tunneled"
    # is of the encrypted kind: "without encryption" must not answer it.
    data_dir = make_data_dir(tmp_path / "data")
    (data_dir / "docs" / "ports.md").write_text(
        "# HA Ports\n\n"
        "Ports used for HA1—TCP port 41769 and 41260 for clear text communication; "
        "port 41 for encrypted communication (SSH over TCP).\n\n"
        "## Ports Used for HA\n\nDestination Port\n\nProtocol\n\nDescription\n\n"
        "41766 TCP Port used for HA1 ssh tunneled communication.\n",
        encoding="utf-8",
    )
    assert ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True).ok
    engine = Engine.from_settings(Settings(HAKB_DATA_DIR=data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
    assert engine.holder.refresh()
    qualifiers = {f.qualifier for f in engine.holder.current.facts.by_subject("HA1") if f.attribute == "port"}
    assert {"clear text", "encrypted"} < qualifiers  # a third, ssh-tunneled row exists
    for question in ("ha1 port without encryption", "ha1 port with encryption disabled"):
        answer = engine.ask(question)
        assert "41769" in answer.answer, answer.answer
        assert "41766" not in answer.answer and "TCP 41 " not in answer.answer, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what's the default and the range for rekeying ha1 ssh after a number of packets?",
        "ha1 ssh session rekey by packet count: default and range?",
    ],
)
def test_a_fact_that_matches_the_link_and_a_qualifier_only_does_not_replace_the_sentence_that_answers(
    corpus_engine: Engine, question: str
) -> None:
    # "HA1 port: TCP 28766 (HA1 ssh tunneled)" names the link and "ssh", but says nothing
    # of rekeying, packets or a range: a sentence about rekeying answers.
    answer = corpus_engine.ask(question)
    assert "28766" not in answer.answer, answer.answer
    assert answer.kind == "passage", answer.answer
    assert "rekey" in answer.answer.lower(), answer.answer


def test_a_passage_answer_quotes_the_sentences_close_behind_the_best_and_no_more(seed_engine: Engine) -> None:
    # The composer on its own: three sentences scored close together answer together (the
    # second and third often hold what the first lacks); one far behind is left out.
    from hakb.service import question as qparse
    from hakb.service.engine import CLOSE_BEHIND, MAX_SENTENCES
    from hakb.service.ranking import sources
    from hakb.service.ranking.evidence import Evidence

    build = seed_engine.holder.current
    q = qparse.parse("why does the relay pause?", build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    texts = [
        "The relay pauses when its partner stops answering.",
        "A pause lasts for one beacon interval.",
        "During a pause the relay keeps its sessions.",
        "Relays are painted blue.",
    ]
    scores = [0.9, 0.9 - CLOSE_BEHIND / 2, 0.9 - CLOSE_BEHIND, 0.9 - 3 * CLOSE_BEHIND]
    evidence = []
    for text, score in zip(texts, scores, strict=True):
        citation = Citation(doc_id="relay", title="Relay", section="Relay > Pauses", quote=text)
        evidence.append(Evidence(text=text, citation=citation, source="passage", score=score))
    answer = seed_engine._compose_passage(q, sig, evidence, build.main_product, build.facts)
    assert MAX_SENTENCES == 3
    for text in texts[:3]:
        assert text in answer.answer
    assert texts[3] not in answer.answer
    assert [c.quote for c in answer.citations] == texts[:3]


def test_a_fact_answer_quotes_the_sentence_beside_it_that_holds_what_the_fact_does_not(
    corpus_engine: Engine,
) -> None:
    # "HA2 layer: Layer 2" answers the first half; "when is l3 needed" is answered by the
    # sentence scored close behind it, quoted after the fact with its own citation.
    answer = corpus_engine.ask("ha2: layer 2 or layer 3 transport, when is l3 needed?")
    assert answer.kind == "fact", answer.answer
    assert "Layer 2" in answer.answer.splitlines()[0]
    assert "routed network" in answer.answer, answer.answer
    assert any("routed network" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "how do i set up ha link monitoring?",
        "how can i configure link monitoring on my ha pair?",
    ],
)
def test_a_how_do_i_question_the_documents_answer_step_by_step_is_answered_with_steps(
    corpus_engine: Engine, question: str
) -> None:
    # Being a "how" question is no evidence against an answer: the guard decides on the
    # evidence, and the candidate that carries the UI steps answers.
    answer = corpus_engine.ask(question)
    assert answer.kind == "passage", answer.answer
    assert "link" in answer.answer.lower()
    assert any(step in answer.answer for step in ("Select", "Add", "Click", "Configure")), answer.answer


def test_what_kind_of_question_it_is_never_moves_a_candidates_score() -> None:
    # The same evidence for a "how" or "why" question scores as for any other: the kind of
    # question shifts every candidate alike, so scored it could only make the guard abstain.
    from hakb.service.ranking.evidence import FIT_ONLY, Evidence

    ranker = LinearRanker.load()
    citation = Citation(doc_id="d", title="T", section="T > S", quote="Select Device > High Availability.")
    plain = Evidence(text="Select Device > High Availability.", citation=citation, source="passage")
    plain.features.update({"pass_cov": 0.8, "rank": 1.0, "dense": 0.6, "window": 1.0})
    asked = Evidence(text=plain.text, citation=citation, source="passage", features=dict(plain.features))
    asked.features.update({name: 1.0 for name in FIT_ONLY})
    ranker.score([plain, asked])
    assert FIT_ONLY and asked.score == pytest.approx(plain.score)
    assert json.loads(WEIGHTS_PATH.read_text())["weights"]["asks_how"] != 0  # fitted, just not scored


def test_a_sentence_of_another_product_is_never_quoted_beside_an_answer(seed_engine: Engine) -> None:
    # Close behind in score is not enough: a CN-Series sentence is no addition to an answer
    # that holds for the firewall.
    from hakb.service import question as qparse
    from hakb.service.ranking import sources
    from hakb.service.ranking.evidence import Evidence

    build = seed_engine.holder.current
    q = qparse.parse("why does the relay pause?", build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    cn = Scope(product="cn-series", product_name="CN-Series", deployment="aws", deployment_name="AWS")
    rows = [
        ("The relay pauses when its partner stops answering.", None, 0.9),
        ("On AWS the relay pauses for a pod restart.", cn, 0.89),
        ("A pause lasts for one beacon interval.", None, 0.88),
    ]
    evidence = []
    for text, scope, score in rows:
        citation = Citation(doc_id="relay", title="Relay", section="Relay > Pauses", quote=text, scope=scope)
        evidence.append(Evidence(text=text, citation=citation, source="passage", score=score))
    answer = seed_engine._compose_passage(q, sig, evidence, build.main_product, build.facts)
    assert rows[0][0] in answer.answer and rows[2][0] in answer.answer
    assert "AWS" not in answer.answer


def test_a_sentence_that_announces_a_table_decides_no_yes_or_no(seed_engine: Engine) -> None:
    # "The following table displays which deployments are supported" is no "Yes": whether a
    # deployment is supported is in the table's rows, not in the sentence announcing them.
    from hakb.service import question as qparse
    from hakb.service.ranking import sources
    from hakb.service.ranking.evidence import Evidence

    build = seed_engine.holder.current
    q = qparse.parse("is the relay supported in a layer 2 deployment?", build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    text = "The following table displays which relay deployments are supported in layer 2."
    citation = Citation(doc_id="relay", title="Relay", section="Relay > Deployments", quote=text)
    evidence = [Evidence(text=text, citation=citation, source="passage", score=0.9)]
    evidence[0].features["pass_cov"] = 1.0
    answer = seed_engine._compose_passage(q, sig, evidence, build.main_product, build.facts)
    assert answer.verdict is None, answer.answer
    assert not answer.answer.startswith(("Yes", "No")), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "pa-7500: hsci through a switch, which switch port mode?",
        "hsci ports of a pa-5500 connected via a switch - access or trunk mode?",
    ],
)
def test_a_confident_fact_that_leaves_the_question_unsaid_still_gets_the_sentence_that_says_it(
    corpus_engine: Engine, question: str
) -> None:
    # The HSCI fact scores above the fast path's bar, but its line says nothing of a switch
    # or a port mode: the passages are searched, and the sentence that says trunk follows.
    answer = corpus_engine.ask(question)
    assert "trunk mode" in answer.answer, answer.answer
    assert any("trunk mode" in c.quote for c in answer.citations)


def _beside_the_ha2_port(seed_engine: Engine, top_score: float):  # type: ignore[no-untyped-def]
    """`beside(text, score)`: is a passage sentence quoted beside the answer "HA2 port: UDP
    29281." (scored `top_score`) to "ha2 udp port for routing across subnets?"."""
    from hakb.service import question as qparse
    from hakb.service.engine import _passage_beside
    from hakb.service.ranking import sources
    from hakb.service.ranking.evidence import Evidence

    build = seed_engine.holder.current
    q = qparse.parse("ha2 udp port for routing across subnets?", build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    fact = next(f for f in build.facts.facts if f.subject == "HA2" and f.attribute == "port")
    top = Evidence(text=fact.quote, citation=fact.citation, source="fact", fact=fact, score=top_score)
    guard = seed_engine.ranker.threshold

    def beside(text: str, score: float) -> bool:
        citation = Citation(doc_id="d", title="T", section="T > S", quote=text)
        e = Evidence(text=text, citation=citation, source="passage", score=score)
        return _passage_beside(top, [top, e], sig, build.main_product, "HA2 port: UDP 29281.", build.facts, guard) is e

    return beside


def test_the_sentence_beside_an_answer_never_adds_another_value_of_what_was_asked(seed_engine: Engine) -> None:
    # "HA2 port: UDP 29281" answers; a sentence close behind that also says "subnets" but
    # gives the other transport's value (IP protocol 99) is not quoted beside it; one that
    # adds words and no other value is.
    beside = _beside_the_ha2_port(seed_engine, 0.97)
    assert not beside("HA2 can use IP (protocol number 99) or UDP (port 29281) to span subnets.", 0.95)
    assert beside("With UDP the HA2 link can span subnets through a router.", 0.95)


def test_a_sentence_far_behind_a_fact_is_quoted_when_it_answers_a_good_part_of_what_is_unsaid(
    seed_engine: Engine,
) -> None:
    # How far the top fact scores above the guard is no measure of what a sentence beside it
    # adds: one far behind is quoted when it would pass the guard on its own and says a good
    # part of what the fact's line leaves unsaid; one generic word of it is no addition.
    beside = _beside_the_ha2_port(seed_engine, 0.99)
    guard = seed_engine.ranker.threshold
    says_it = "With UDP, routing the HA2 link across subnets is possible."
    assert beside(says_it, guard + 0.01)
    assert not beside(says_it, guard - 0.01)
    assert not beside("The HA2 link is one of the HA links.", guard + 0.01)


# -- training labels: what the ranker learns to put first ----------------------------


def test_the_answer_a_candidate_gives_is_the_answer_when_it_wins(seed_engine: Engine) -> None:
    question = "is ha3 traffic encrypted?"
    ranking = seed_engine.ranking(question)
    assert seed_engine.answer_from(ranking, ranking.evidence[0]).answer == seed_engine.ask(question).answer


def test_yes_no_items_label_candidates_by_the_verdict_they_give(seed_engine: Engine) -> None:
    # A yes/no item asks for no value: were its candidates labelled by values alone, every
    # one would be a 0 and the ranker would learn that such questions are never answered.
    from hakb.eval.metrics import GoldItem
    from hakb.eval.train_ranker import label

    question = "is ha3 traffic encrypted?"
    ranking = seed_engine.ranking(question)

    def answer_of(e):  # type: ignore[no-untyped-def]
        return seed_engine.answer_from(ranking, e).answer

    def item(verdict: str) -> GoldItem:
        return GoldItem(
            id="t1", split="dev", question=question, kind="fact", must=(verdict,), must_not=(), any_of=(),
            docs="seed", source_doc=None, source_section=None, category="yesno",
        )  # fmt: skip

    says_no = [e for e in ranking.evidence if answer_of(e).startswith("No.")]
    assert says_no
    assert all(label(item("no"), e, answer_of) == 1 for e in says_no)
    assert all(label(item("yes"), e, answer_of) == 0 for e in says_no)


def test_a_procedure_window_goes_on_through_a_line_that_is_no_step() -> None:
    # "For Type:" between two steps is part of the procedure: the steps after it are
    # what a "how do I" asks for.
    from hakb.service.ranking.sources import _following

    units = [
        (s, [])
        for s in (
            "To configure a floating address, do the following.",
            "Select Device > High Availability.",
            "Add a Virtual Address.",
            "For Type:",
            "Select Floating.",
            "Enter the Device 0 Priority.",
            "Floating addresses move on failover.",
            "They answer ARP requests.",
            "Nothing here is a step.",
        )
    ]
    window = _following(units, 0)
    assert window[-1] == "Enter the Device 0 Priority."
    assert "Nothing here is a step." not in window


@pytest.mark.parametrize("question", ["what's the warranty on a PA-3260?", "what is the shipping weight of a PA-3260?"])
def test_chat_around_a_question_is_never_all_of_it_but_the_model(seed_engine: Engine, question: str) -> None:
    # Without its everyday words the question would be about the PA-3260 alone, and the
    # platform's constraints would answer it; those words were its topic.
    answer = seed_engine.ask(question)
    assert answer.kind == "abstain", answer.answer


def test_chat_around_a_question_with_a_topic_is_still_dropped(seed_engine: Engine) -> None:
    answer = seed_engine.ask("customer asking: ha1 port on a pa-3260? any idea")
    assert answer.kind == "fact"
    assert "28769" in answer.answer


def test_a_window_is_read_from_its_first_sentence(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    # Three windows hold the sentence that answers; the one that starts with it is the
    # answer, not the one that starts two sentences earlier and only carries it along.
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "sprocket.md": (
                "sprocket/links",
                "# Sprocket Links\n\n"
                "A sprocket link carries frames between two sprocket hubs. Each hub sends a beacon "
                "every second. Frame folding is not supported on subinterfaces or tunnel interfaces. "
                "To configure frame folding, see the folding step.\n",
            )
        },
    )
    evidence = engine.ranking("sprocket frame folding on subinterfaces?").evidence
    top = evidence[0]
    assert top.text.startswith("Frame folding is not supported"), top.text
    earlier = next(e for e in evidence if e.text.startswith("Each hub sends a beacon") and "Frame folding" in e.text)
    assert earlier.features["head"] < earlier.features["pass_cov"]
    assert earlier.score < top.score
    # A yes/no question marks the sentences that decide it; a question for a value does not.
    assert "decides" in top.features
    assert not any("decides" in e.features for e in engine.ranking("what does a sprocket link carry?").evidence)


def test_a_yes_or_no_is_answered_by_the_sentence_that_decides_it(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    # The sentence announcing a list holds as much of the question as the one that says
    # No; for a yes/no question the one that says it answers.
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "widgets.md": (
                "widgets/monitoring",
                "# Widget Monitoring\n\n"
                "Before you enable widget monitoring on sprockets, you must also:\n\n"
                "- Check that every beacon is reachable.\n- Confirm the relay priorities.\n\n"
                "## Compatibility\n\n"
                "Widget monitoring in relays and hubs is compatible with both active/active and "
                "active/passive HA deployments; however, widget monitoring in sprockets is supported "
                "only on active/passive pairs.\n",
            )
        },
    )
    answer = engine.ask("widget monitoring on sprockets in a/a?")
    assert answer.verdict == "no", answer.answer
    assert answer.answer.startswith("No.")


def test_a_yes_no_question_answered_by_a_row_gets_the_verdict_its_sentence_gives(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # The row ("Beacon Group range: 1 to 16") answers no yes/no itself; its sentence
    # decides, as a passage's would.
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "beacons.md": (
                "ngfw/administration/widget-beacons",
                "# Widget Beacons\n\nThe widget pair sends beacons.\n\n## Beacon Group\n\n"
                "Beacon Group: A numeric identifier ranging from 1 to 16 that must match on both HA peers.\n",
            ),
        },
    )
    ranking = engine.ranking("beacon group must match on both ha peers?")
    row = next(e for e in ranking.evidence if e.fact is not None and "must match" in e.text)
    answer = engine.answer_from(ranking, row)  # the answer the engine gives when the row wins
    assert answer.kind == "fact", answer.answer
    assert answer.verdict == "yes" and answer.answer.startswith("Yes."), answer.answer
    assert "must match on both HA peers" in answer.answer


def test_a_why_question_is_answered_by_the_sentence_that_gives_the_reason(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # Two pages say the same of the widget beacon ports; one of them also says why.
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "cabling.md": (
                "ngfw/administration/widget-cabling",
                "# Widget Cabling\n\nThe widget beacon ports of the two peers are connected directly.\n",
            ),
            "beacons.md": (
                "ngfw/administration/widget-beacons",
                "# Widget Beacons\n\nThe widget beacon ports of the two peers are connected directly to "
                "prevent beacon loss.\n",
            ),
        },
    )
    question = "why are the widget beacon ports of the peers connected directly?"
    top = next(e for e in engine.ranking(question).evidence if e.source == "passage")
    assert top.features["reason"] == 1.0 and "prevent" in top.text, top.text
    assert "prevent beacon loss" in engine.ask(question).answer.split("\n")[0]
    # Saying why is what ranks it: the same candidate without the reason scores lower.
    without = dataclasses.replace(top, features={**top.features, "reason": 0.0})
    engine.ranker.score([without])
    assert without.score < top.score
    # The same sentences for a question that asks no why: no reason is wanted.
    plain = engine.ranking("are the widget beacon ports of the peers connected directly?")
    assert all(e.features.get("reason", 0.0) == 0.0 for e in plain.evidence)


def test_how_many_asks_a_quantity_not_a_way_of_doing_something(seed_engine: Engine) -> None:
    # "how long"/"how many" questions are no "how do I": their candidates are not read as
    # procedures (feature window_how).
    assert seed_engine.ranking("how many heartbeat backup links can a pair have?").sig.asks is None
    assert seed_engine.ranking("how long is the hello interval?").sig.asks is None
    assert seed_engine.ranking("how do i configure a heartbeat backup link?").sig.asks == "how"


def test_a_product_asked_without_a_deployment_is_answered_for_each_deployment_with_its_scope(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    # An invented product whose page says one thing of two of its deployments, in two
    # paragraphs: asked of the product alone, both are its answer, each said with its scope.
    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "gizmo.md": (
                "gz-series/deployment/gz-widget-monitoring",
                "# GZ Widget Monitoring\n\n## Private Clouds\n\n"
                "Widget monitoring is not supported on the GZ-Series firewall on VMware ESXi.\n\n"
                "## Public Clouds\n\n"
                "Widget monitoring is not available for the GZ-Series firewall on AWS.\n",
            ),
        },
    )
    answer = engine.ask("widget monitoring on gz-series - supported?")
    assert "VMware ESXi" in answer.answer and "on AWS" in answer.answer, answer.answer
    labels = [c.scope.product_label for c in answer.citations if c.scope]
    assert {"gz-series on ESXi", "gz-series on AWS"} <= set(labels), labels
    for label in labels:  # each part says its own scope, once
        assert answer.answer.count(f"{label}: ") == 1, answer.answer
    # Asked of one deployment, the other is not its answer.
    aws = engine.ask("gz-series on aws: widget monitoring supported?")
    assert "ESXi" not in aws.answer, aws.answer


def test_a_question_naming_a_platform_is_answered_by_what_is_said_of_it() -> None:
    """What the documents say of the asked platform answers before the general statement,
    when it answers at all; a question that names none is answered generally."""
    from hakb.service.engine import _in_scope
    from hakb.service.ranking.evidence import Evidence

    def said(text: str, score: float, platform: float) -> Evidence:
        citation = Citation(doc_id="relay", title="Relay", section="Relay", quote=text)
        return Evidence(text=text, citation=citation, source="passage", score=score, features={"platform": platform})

    general = said("Relays use the front port.", 0.95, 0.0)
    particular = said("The R-700 relay cannot use the front port.", 0.85, 1.0)
    assert _in_scope([general, particular], 0.66) == [particular, general]
    assert _in_scope([general, said("The R-700 relay cannot use it.", 0.5, 1.0)], 0.66)[0] is general
    # Far behind the best, a sentence naming the platform says something else.
    assert _in_scope([general, said("The R-700 relay has a blue port.", 0.7, 1.0)], 0.66)[0] is general
    other = said("The R-300 relay cannot use the front port.", 0.85, -1.0)
    assert _in_scope([other, general], 0.66) == [general, other]


def test_a_sentence_the_answer_already_quotes_is_not_quoted_again_beside_it(seed_engine: Engine) -> None:
    # A window that opens with the answer's own source sentence adds only what follows it;
    # one that adds nothing more is not quoted at all.
    from hakb.service import question as qparse
    from hakb.service.engine import _passage_beside
    from hakb.service.ranking import sources
    from hakb.service.ranking.evidence import Evidence

    build = seed_engine.holder.current
    q = qparse.parse("ha2 udp port for routing across subnets?", build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    fact = next(f for f in build.facts.facts if f.subject == "HA2" and f.attribute == "port")
    top = Evidence(text=fact.quote, citation=fact.citation, source="fact", fact=fact, score=0.97)
    said = f'HA2 port: UDP 29281. Source: "{fact.quote}"'

    def beside(text: str) -> Evidence | None:
        e = Evidence(text=text, citation=Citation(doc_id="d", title="T", section="T > S", quote=text), source="passage")
        e.score = 0.95
        return _passage_beside(top, [top, e], sig, build.main_product, said, build.facts, seed_engine.ranker.threshold)

    more = beside(f"{fact.quote} Routing the HA2 link needs a route to the peer.")
    assert more is not None and more.text == "Routing the HA2 link needs a route to the peer."
    assert beside(f"{fact.quote} The relay has a beacon.") is None


def test_a_word_the_question_spells_out_is_said_by_the_short_form_a_document_writes(seed_engine: Engine) -> None:
    # Chat's "sync" and "mgmt" are read as "synchronize" and "management"; a sentence that
    # writes the short form ("Synced?", "the MGT port") still says them.
    from hakb.service import question as qparse
    from hakb.service.ranking import sources
    from hakb.service.ranking import text as tx

    build = seed_engine.holder.current
    for question, sentence, word in (
        ("is the route cache synced to the peer?", "Route Cache — Information Synced? A/P: Yes", "synchronize"),
        ("relay on the mgmt port?", "The relay runs on the MGT port.", "management"),
        ("relay on the management port?", "The relay runs on the MGT port.", "management"),
    ):
        q = qparse.parse(question, build.vocabulary.closest)[0]
        sig = sources.signals(q, build.facts, build.vocabulary)
        assert word in sig.words, (question, sig.words)
        assert sources.holds(sig, word, tx.stems_of(sentence)), (question, sentence)
