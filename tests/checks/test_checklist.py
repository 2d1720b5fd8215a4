"""The connectivity checklist against the facts table it is built from: every platform
family of the corpus walked, a document edit followed, bad input refused over a real
server, and the CSV and text forms."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest

from hakb.errors import BadInput
from hakb.ingest import lexicon
from hakb.ingest.models import Fact
from hakb.service.checks.checklist import (
    Checklist,
    Deployment,
    build_checklist,
    parse_words,
    render_csv,
    render_text,
)
from hakb.service.facts_table import FactTable
from hakb.service.ranking.sources import qualifier_kinds
from tests.conftest import SEED_DOC, ingest, make_data_dir, run_hakb

FLOW_ATTRIBUTES = ("port", "ethertype", "ip-protocol", "protocol")


def checklist_of(engine, **kwargs: object) -> Checklist:  # type: ignore[no-untyped-def]
    build = engine.build
    return build_checklist(build.facts, build.scope_vocabulary, Deployment(**kwargs))


def applies(f: Fact, names: set[str], products: set[str]) -> bool:
    """Written out apart from the module: a fact of the platform's product, about the
    platform (or no platform), not a clustering port."""
    if products and f.scope is not None and f.scope.product not in products:
        return False
    if f.scope is not None and f.scope.platforms and not names & set(f.scope.platforms):
        return False
    if f.platforms and not names & set(f.platforms):
        return False
    return "cluster" not in f"{f.section} {f.title}".lower()


def for_encryption(table: FactTable, f: Fact, encrypted: bool) -> bool:
    """A port for encrypted HA1, for clear text, or said of neither (both), by the kinds
    the engine reads its qualifier as (test_ha1_ports_agree_with_the_engine_s_answer
    checks that reading against the engine's answer, apart from this helper)."""
    kinds = " ".join(qualifier_kinds(table, f)).lower()
    if "encrypt" in kinds and "clear" not in kinds:
        return encrypted
    return not encrypted if "clear" in kinds and "encrypt" not in kinds else True


def products_of(table: FactTable, names: list[str]) -> set[str]:
    found = {f.scope.product for f in table.about_platforms(names) if f.scope and f.scope.product}
    return found if len(found) == 1 else set()


def test_every_family_s_checklist_holds_what_the_facts_table_holds(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    table: FactTable = corpus_engine.build.facts
    families = table.families()
    assert {"PA-3200 Series", "PA-220", "PA-5400 Series", "PA-7000 Series"} <= set(families)
    walked = 0
    for family in families:
        assert lexicon.canonical_model(family) == family, family  # VM-300 is a model too
        walked += 1
        names = table.resolve(family)
        products = products_of(table, names)
        for encrypted in (False, True):
            for transport, attribute in (("ethernet", "ethertype"), ("ip", "ip-protocol"), ("udp", "port")):
                try:
                    found = checklist_of(corpus_engine, model=family, ha1_encryption=encrypted, ha2_transport=transport)
                except BadInput as exc:  # the documents rule HA1 encryption out there: cited
                    assert encrypted and exc.extra["rules"], (family, exc)
                    continue
                lines = {line.link: line for line in found.lines}
                assert list(lines) == ["HA1", "HA2"], family
                assert found.documented_as == lexicon.shown_names(names, family)

                # HA1: exactly the documented ports of this platform and encryption.
                wanted_ha1 = {
                    f.value
                    for f in table.by_subject("HA1")
                    if f.attribute == "port"
                    and applies(f, set(names), products)
                    and for_encryption(table, f, encrypted)
                }
                got_ha1 = {flow.port for flow in lines["HA1"].flows if flow.port}
                assert got_ha1 == wanted_ha1, (family, encrypted)

                # HA2: the identifier the chosen transport has in the documents, nothing else.
                wanted_ha2 = {
                    f.value
                    for f in table.by_subject("HA2")
                    if f.attribute == attribute
                    and applies(f, set(names), products)
                    and (transport != "udp" or f.protocol == "UDP")
                }
                ha2 = lines["HA2"].flows
                got_ha2 = {flow.ethertype or flow.ip_protocol or flow.port for flow in ha2}
                assert got_ha2 == wanted_ha2, (family, transport)
                assert (lines["HA2"].flows_missing is None) == bool(wanted_ha2)

                for line in found.lines:
                    assert_cited_from_table(table, line.link, line, set(names))
    assert walked > 20


def assert_cited_from_table(table: FactTable, link: str, line, names: set[str]) -> None:  # type: ignore[no-untyped-def]
    """Each flow stands in a fact of the link that holds for the platform, and its value in
    the quote cited; an empty aspect says it is not documented."""
    for flow in line.flows:
        value = flow.port or flow.ethertype or flow.ip_protocol or flow.protocol
        assert flow.citations, (link, value)
        for c in flow.citations:
            facts = [
                f
                for f in table.by_subject(link)
                if f.attribute in FLOW_ATTRIBUTES and f.quote == c.quote and f.value == value
            ]
            assert facts, (link, value, c.quote)
            assert any(not f.platforms or names & set(f.platforms) for f in facts)
            assert value in c.quote
    if not line.flows:
        assert line.flows_missing and line.flows_missing.startswith("not documented")
    for cell in (line.purpose, line.interface, line.direction, line.layer):
        assert bool(cell.items) != bool(cell.missing)
        for item in cell.items:
            assert item.citations
            for c in item.citations:
                assert any(f.quote == c.quote for f in table.facts)


def test_hsci_ha3_and_backups_add_their_lines(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    found = checklist_of(corpus_engine, model="PA-3260", mode="active-active", hsci=True, backups=("ha1", "heartbeat"))
    lines = {line.link: line for line in found.lines}
    assert list(lines) == ["HA1", "HA1-backup", "HA2", "HA3", "heartbeat-backup", "HSCI"]
    assert [i.text for i in lines["HA2"].interface.items] == ["HSCI port"]
    assert any("28771" == f.port for f in lines["heartbeat-backup"].flows)
    assert lines["HA3"].layer.items[0].text == "Layer 2"
    assert "not routed" in (lines["HA3"].layer.items[0].note_by_hakb or "")
    assert lines["HA3"].flows == [] and "not documented" in (lines["HA3"].flows_missing or "")
    cluster = checklist_of(corpus_engine, model="PA-5450", mode="cluster")
    ports = {f.port for line in cluster.lines for f in line.flows if "cluster" in line.link or line.link == "cluster"}
    assert {"28840", "28885", "29284"} <= ports  # the clustering ports, each cited
    assert [line.link for line in cluster.lines][:3] == ["HA1", "HA2", "HA4"]


def test_a_document_edit_changes_the_checklist(tmp_path: Path, seed_engine, onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    before = checklist_of(seed_engine, model="PA-3260", ha2_transport="udp", ha1_encryption=True)
    ha2 = {line.link: line for line in before.lines}["HA2"]
    assert [f.port for f in ha2.flows] == ["29281"]

    data_dir = make_data_dir(tmp_path / "data")
    doc = data_dir / "docs" / SEED_DOC.name
    text = doc.read_text(encoding="utf-8")
    assert text.count("UDP (port 29281)") == 1 and text.count("port\n28 for encrypted") == 1
    doc.write_text(
        text.replace("UDP (port 29281)", "UDP (port 29555)").replace(
            "port\n28 for encrypted", "port\n38 for encrypted"
        ),
        encoding="utf-8",
    )
    assert ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True).ok
    from tests.conftest import _engine  # the same in-process engine the session fixtures use

    after = checklist_of(_engine(data_dir), model="PA-3260", ha2_transport="udp", ha1_encryption=True)
    lines = {line.link: line for line in after.lines}
    assert [f.port for f in lines["HA2"].flows] == ["29555"]
    assert "UDP (port 29555)" in lines["HA2"].flows[0].citations[0].quote
    assert [f.port for f in lines["HA1"].flows if f.port] == ["38"]
    assert "29281" not in render_text(after) and "29555" in render_csv(after)


def test_chat_words_read_as_a_deployment() -> None:
    dep = parse_words("PA-3260 a/p udp encrypted backups ha1,hb 10.2")
    assert dep.model == "PA-3260" and dep.mode == "active-passive" and dep.ha2_transport == "udp"
    assert dep.ha1_encryption and dep.backups == ("ha1", "heartbeat") and dep.version == "10.2"
    assert parse_words("pa-5400 series a/a hsci").model == "pa-5400 Series"
    assert parse_words("PA-5450 cluster").mode == "cluster"
    assert parse_words("PA-3260 tcp").ha2_transport == "tcp"  # refused with the documents' transports, cited
    with pytest.raises(BadInput, match="'sideways' is not a model"):
        parse_words("PA-3260 sideways")
    with pytest.raises(BadInput, match="name a firewall model"):
        parse_words("a/p udp")


# -- over a real server ------------------------------------------------------------------


def get(live_server: str, **params: str) -> httpx.Response:
    return httpx.get(f"{live_server}/v1/checklist", params=params, timeout=30)


def test_the_api_answers_json_csv_and_text(live_server: str) -> None:
    query = {
        "model": "PA-3260",
        "mode": "active-passive",
        "ha1_encryption": "true",
        "ha2_transport": "udp",
        "backups": "ha1,ha2,heartbeat",
    }
    body = get(live_server, **query).json()
    assert [line["link"] for line in body["lines"]] == ["HA1", "HA1-backup", "HA2", "HA2-backup", "heartbeat-backup"]
    ha1 = body["lines"][0]
    assert "TCP 28" in [f["label"] for f in ha1["flows"]] and "TCP 28769" not in [f["label"] for f in ha1["flows"]]
    assert all(c["url"].startswith("https://") and c["quote"] for f in ha1["flows"] for c in f["citations"])

    response = get(live_server, **query, format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    udp = [r for r in rows if r["link"] == "HA2"]
    assert [(r["protocol"], r["port"]) for r in udp] == [("UDP", "29281")]
    assert "29281" in udp[0]["quotes"] and "https://" in udp[0]["sources"]
    undocumented = [r for r in rows if r["link"] == "HA2-backup"]
    assert undocumented[0]["documented"] == "no" and "not documented" in undocumented[0]["sources"]

    text = get(live_server, **query, format="text")
    assert text.headers["content-type"].startswith("text/plain")
    assert "HA connectivity checklist: PA-3260 (documented as PA-3200 Series)" in text.text
    assert re.search(r"\n +(allow: +)?TCP 28 \(encrypted; SSH over TCP\) \[\d", text.text)
    assert "\nSources:\n[1] " in text.text


def test_bad_input_over_the_api_says_why(live_server: str) -> None:
    unknown = get(live_server, model="PA-9999")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_model"
    assert "PA-3200 Series" in unknown.json()["known"]

    ha3 = get(live_server, model="PA-3260", mode="active-passive", ha3="true")
    assert ha3.status_code == 422 and ha3.json()["error"] == "ha3_not_in_mode"
    assert any("active/active" in r["quote"] for r in ha3.json()["rules"])

    hsci = get(live_server, model="PA-220", hsci="true").json()
    assert hsci["error"] == "no_hsci" and "PA-3200 Series" in hsci["platforms_with_hsci"]

    transport = get(live_server, model="PA-3260", ha2_transport="tcp").json()
    assert transport["error"] == "unknown_transport" and transport["transports"] == ["ethernet", "ip", "udp"]
    assert any("UDP (port 29281)" in r["quote"] for r in transport["rules"])

    for params, error in (({"mode": "sideways"}, "invalid_request"), ({"backups": "ha9"}, "bad_backup")):
        response = get(live_server, model="PA-3260", **params)
        assert response.status_code == 422 and response.json()["error"] == error


def test_the_cli_prints_the_checklist_and_refuses_an_unknown_model(seed_data_dir: Path) -> None:
    done = run_hakb(
        "checklist",
        "--model",
        "PA-3260",
        "--ha1-encryption",
        "--ha2-transport",
        "udp",
        "--format",
        "csv",
        data_dir=seed_data_dir,
    )
    assert done.returncode == 0, done.stderr
    assert ",UDP,29281," in done.stdout and "TCP" in done.stdout
    failed = run_hakb("checklist", "--model", "PA-9999", data_dir=seed_data_dir)
    assert failed.returncode == 2 and "the documents say nothing about 'PA-9999'" in failed.stderr


def test_ha1_ports_agree_with_the_engine_s_answer(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    """With encryption off, the HA1 ports are those the engine answers to the same question:
    not the SSH-tunnelled ones, which the page describes as the encrypted kind."""
    answer = corpus_engine.ask("ha1 port without encryption")
    answered = {f.value for f in answer.facts if f.subject == "HA1" and f.attribute == "port"}
    assert answered == {"28769", "28260"}, answer.answer
    found = checklist_of(corpus_engine, model="PA-3260", ha1_encryption=False)
    (ha1,) = [line for line in found.lines if line.link == "HA1"]
    assert {flow.port for flow in ha1.flows if flow.port} == answered


def test_what_no_document_says_is_never_shown_as_documented(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    """The transports a refusal lists are those the cited facts name (a table without the
    UDP port names two); what a layer means is hakb's own note, apart from cited values."""
    table: FactTable = corpus_engine.build.facts
    udp = [f for f in table.by_subject("HA2") if f.attribute == "port" and f.protocol == "UDP"]
    assert udp
    without_udp = FactTable([f for f in table.facts if f not in udp])
    with pytest.raises(BadInput) as refused:
        build_checklist(
            without_udp, corpus_engine.build.scope_vocabulary, Deployment(model="PA-3260", ha2_transport="tcp")
        )
    assert refused.value.extra["transports"] == ["ethernet", "ip"]
    assert "they name: ethernet, ip." in str(refused.value)
    cited = {r["quote"] for r in refused.value.extra["rules"]}  # type: ignore[attr-defined]
    assert cited and all("0x72" in q or "99" in q for q in cited)

    found = checklist_of(corpus_engine, model="PA-3260", mode="active-active")
    ha3 = next(line for line in found.lines if line.link == "HA3")
    (layer,) = ha3.layer.items
    assert layer.text == "Layer 2" and layer.note_by_hakb and "meaning" not in layer.model_dump()
    text = render_text(found)
    shown = next(row for row in text.splitlines() if "Layer 2" in row and layer.note_by_hakb in row)
    # The note comes after the citation marks, labelled as not from the documents.
    assert re.search(r"Layer 2 \[[\d, ]+\] \(hakb's note, not from the documents: ", shown), shown
    header = next(csv.reader(io.StringIO(render_csv(found))))
    assert "layer_note_by_hakb" in header and "layer_meaning" not in header


def test_slack_s_cut_here_link_opens_the_same_checklist(corpus_engine, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """A message cut short links the whole checklist: that link gives the checklist shown,
    mode, transport, encryption and backups included (not the model's defaults)."""
    from hakb.service.slack.checklist import checklist_message

    words = "PA-3260 a/a udp encrypted backups ha1,ha2"
    message = checklist_message(corpus_engine.build, words, max_blocks=1)
    cut = message.blocks[-1]["text"]["text"]
    m = re.search(r"cut here: the whole checklist is at GET (/v1/checklist\?\S+)\)", cut)
    assert m, cut
    opened = httpx.get(live_server + m.group(1).replace("&amp;", "&"), timeout=30)
    assert opened.status_code == 200, opened.text
    shown = build_checklist(corpus_engine.build.facts, corpus_engine.build.scope_vocabulary, parse_words(words))
    assert opened.json() == shown.model_dump(mode="json")
    assert [line.link for line in shown.lines] == ["HA1", "HA1-backup", "HA2", "HA2-backup", "HA3"]
