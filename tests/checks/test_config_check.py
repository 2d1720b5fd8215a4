"""The configuration check (issue 12) on the configurations of tests/fixtures/ha-configs.

Each fixture was written for these tests in the PAN-OS schema (a clean one per mode and
format, one per kind of finding, malformed and hostile ones); expected.json says which
findings each must give against the corpus build. The check must find exactly those
(precision and recall 1.0), cite a documented rule for every finding, refuse hostile XML
without reading its entities, and change its findings when a document changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hakb.errors import BadConfig, BadInput, HostileConfig, NotFound, PayloadTooLarge, render
from hakb.service.checks.config_check import check_config, parse_config
from hakb.service.scope_choice import ScopeChoice
from tests.conftest import CORPUS_PAGES, ingest, make_data_dir, run_hakb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ha-configs"
EXPECTED: dict[str, dict[str, object]] = json.loads((FIXTURES / "expected.json").read_text())["configs"]
CHECKED = sorted(name for name, e in EXPECTED.items() if "refused" not in e and "build" not in e)
SCOPED = sorted(name for name, e in EXPECTED.items() if e.get("build") == "scoped")
REFUSED = sorted(name for name, e in EXPECTED.items() if "refused" in e)


def test_there_are_enough_fixtures_of_each_kind() -> None:
    assert len(EXPECTED) >= 12
    on_disk = {p.name for p in FIXTURES.iterdir() if p.suffix in (".xml", ".txt")}
    assert on_disk == set(EXPECTED), "every fixture has its expectation and every expectation its file"
    clean = [n for n in CHECKED if not EXPECTED[n]["findings"]]
    assert {"clean-active-passive.xml", "clean-active-active.xml", "clean-show-ha-all.txt"} <= set(clean)
    kinds = {tuple(f)[1] for n in CHECKED for f in EXPECTED[n]["findings"]}  # type: ignore[attr-defined]
    assert {"range", "not-supported", "ports-differ", "subnets-differ", "interface-kind", "recommended"} <= kinds


def test_the_check_finds_exactly_the_seeded_problems(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    build = corpus_engine.build
    expected: set[tuple[str, str, str, str]] = set()
    found: set[tuple[str, str, str, str]] = set()
    for name in CHECKED:
        spec = EXPECTED[name]
        report = check_config(build, (FIXTURES / name).read_text(), str(spec["model"]))
        expected |= {(name, *f) for f in spec["findings"]}  # type: ignore[attr-defined]
        found |= {(name, f.severity, f.check, f.where) for f in report.findings}
        assert report.errors == sum(f.severity == "error" for f in report.findings)
        for f in report.findings:
            # No finding without a documented rule: quoted, with where it comes from.
            assert f.rules, f
            for c in f.rules:
                assert c.quote and c.title and c.section and c.url, c
    true_positives = expected & found
    precision = len(true_positives) / len(found) if found else 1.0
    recall = len(true_positives) / len(expected)
    assert (precision, recall) == (1.0, 1.0), {"missed": expected - found, "extra": found - expected}


def test_a_scope_without_hardware_is_checked_against_its_own_pages(scoped_engine) -> None:  # type: ignore[no-untyped-def]
    """CN-Series on AWS: no model, the deployment guide's rules (no backup links, HA2 on
    ethernet1/1); a firewall page's platform rules do not apply."""
    build = scoped_engine.build
    for name in SCOPED:
        spec = EXPECTED[name]
        scope = ScopeChoice(**spec["scope"])  # type: ignore[arg-type]
        report = check_config(build, (FIXTURES / name).read_text(), None, scope)
        assert [[f.severity, f.check, f.where] for f in report.findings] == spec["findings"]
        assert all(c.scope and c.scope.product == "cn-series" for f in report.findings for c in f.rules)
    moved = (FIXTURES / SCOPED[0]).read_text().replace("<port>ethernet1/1</port>", "<port>ethernet1/3</port>")
    report = check_config(build, moved, None, ScopeChoice(product="cn-series", deployment="aws"))
    (ha2,) = [f for f in report.findings if f.check == "port-assigned"]
    assert ha2.problem == "HA2 is on ethernet1/3; the documents require Ethernet1/1"
    with pytest.raises(BadInput):
        check_config(build, moved, None)


def test_a_finding_says_what_is_wrong_and_quotes_the_rule(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    report = check_config(corpus_engine.build, (FIXTURES / "hello-interval-out-of-range.xml").read_text(), "PA-850")
    (finding,) = report.findings
    assert "5000" in finding.problem and "8,000 to 60,000" in finding.problem
    assert any("8,000 to 60,000" in c.quote for c in finding.rules)
    # The range came from the facts table, not from the check: the quote holds it.
    aggregate = check_config(corpus_engine.build, (FIXTURES / "ha3-on-aggregate-pa-7050.xml").read_text(), "PA-7050")
    (ha3,) = aggregate.findings
    assert "ae1" in ha3.problem and "PA-7000 Series" in ha3.problem
    assert any("aggregate" in c.quote and "PA-800 Series" in c.quote for c in ha3.rules)


def test_what_the_check_cannot_judge_is_listed_not_judged(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    report = check_config(corpus_engine.build, (FIXTURES / "clean-active-passive.xml").read_text(), "PA-3260")
    unread = {n.where for n in report.not_checked}
    # No document gives a rule for the peer address: listed with its XPath, never a finding.
    assert "deviceconfig/high-availability/group/peer-ip" in unread
    # A rule whose condition the section cannot show (DHCP on the management interface).
    assert any("DHCP" in c.quote for n in report.not_checked for c in n.rules)
    assert not report.findings and report.passed


def test_text_output_is_read_with_line_numbers(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    config = parse_config((FIXTURES / "clean-show-ha-all.txt").read_text())
    assert config.format == "text" and config.mode_name == "active-passive"
    assert config.links["HA1"].port is not None and config.links["HA1"].port.value == "ha1-a"
    assert config.links["HA1-backup"].port is not None and config.links["HA1-backup"].port.where == "line 24"
    assert config.heartbeat_backup is not None and config.heartbeat_backup.value == "yes"
    # The peer's part is not the local configuration: its priority (110) is not read.
    priorities = [s.value for s in config.settings if s.name == "device-priority"]
    assert priorities == ["100"]


@pytest.mark.parametrize("name", REFUSED)
def test_malformed_and_hostile_xml_is_refused_with_a_reason(name: str) -> None:
    spec = EXPECTED[name]
    with pytest.raises(BadConfig) as caught:
        parse_config((FIXTURES / name).read_text())
    rendered = render(caught.value)
    assert (rendered.status, rendered.body["error"]) == (422, spec["refused"])
    if "line" in spec:
        assert (rendered.body["line"], rendered.body["column"]) == (spec["line"], spec["column"])
    assert "lol" not in json.dumps(rendered.body)


def test_xml_nested_deeper_than_any_configuration_is_refused_not_recursed() -> None:
    deep = "<high-availability>" + "<group>" * 5000 + "1" + "</group>" * 5000 + "</high-availability>"
    with pytest.raises(BadConfig) as caught:
        parse_config(deep)
    assert render(caught.value).body["error"] == "too_deep"


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: where an external entity points."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  # http.server's name
            calls.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        server.shutdown()
        server.server_close()


def test_external_entities_are_never_fetched(recorder: tuple[str, list[str]]) -> None:
    url, calls = recorder
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE high-availability [<!ENTITY peer SYSTEM "{url}/peer">]>'
        "<high-availability><group><description>&peer;</description></group></high-availability>"
    )
    parameter = f'<!DOCTYPE x [<!ENTITY % p SYSTEM "{url}/dtd"> %p;]><high-availability/>'
    for text in (hostile, parameter):
        with pytest.raises(HostileConfig):
            parse_config(text)
    assert calls == []


def test_bad_model_size_and_scope_say_what_is_wrong(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    text = (FIXTURES / "clean-pa-850.xml").read_text()
    with pytest.raises(NotFound) as unknown:
        check_config(corpus_engine.build, text, "PA-9999")
    assert "PA-800 Series" in unknown.value.extra["known"]  # type: ignore[operator]
    with pytest.raises(PayloadTooLarge):
        check_config(corpus_engine.build, text, "PA-850", max_chars=len(text) - 1)
    with pytest.raises(BadConfig):
        check_config(corpus_engine.build, "thanks, all good here", "PA-850")
    with pytest.raises(BadConfig):
        check_config(corpus_engine.build, "<config><devices/></config>", "PA-850")
    scoped = check_config(corpus_engine.build, text, "PA-850", ScopeChoice(version="11.1"))
    assert "11.1" in scoped.scope


def test_a_document_edit_changes_the_finding(tmp_path: Path, onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    """The Hello Interval range comes from the HA Timers page: as written (8,000 to 60,000)
    5,000 ms is out of range (the fixture test above); edited to 4,000 to 60,000, 5,000 ms
    is not, and 3,000 ms is, against the edited range."""
    page = CORPUS_PAGES / "ngfw__administration__high-availability__ha-timers.md"
    if not page.is_file():
        pytest.skip(f"the corpus is absent: no {page.name} in {CORPUS_PAGES}")
    original = page.read_text(encoding="utf-8")
    assert "range is 8,000 to 60,000" in original
    data_dir = make_data_dir(tmp_path / "data")
    edited = original.replace("range is 8,000 to 60,000", "range is 4,000 to 60,000")
    (data_dir / "docs" / page.name).write_text(edited, encoding="utf-8")
    assert ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True).ok
    from tests.conftest import _engine  # the in-process engine the session fixtures use

    build = _engine(data_dir).build
    config = (FIXTURES / "hello-interval-out-of-range.xml").read_text()
    three = config.replace("<hello-interval>5000</hello-interval>", "<hello-interval>3000</hello-interval>")
    assert [f for f in check_config(build, config, "PA-3260").findings if f.check == "range"] == []
    (finding,) = [f for f in check_config(build, three, "PA-3260").findings if f.check == "range"]
    assert finding.problem == "Hello Interval is 3000, outside its documented range (4,000 to 60,000 ms)"
    assert "range is 4,000 to 60,000" in finding.rules[0].quote


def test_the_cli_prints_findings_and_exits_1_on_errors(seed_data_dir: Path, tmp_path: Path) -> None:
    # The seed document says the HA1 link needs an IP address and recommends heartbeat
    # backup when HA1 or its backup is on an in-band port: one error, one warning.
    config = (FIXTURES / "heartbeat-backup-missing.xml").read_text()
    no_address = tmp_path / "no-address.xml"
    no_address.write_text(config.replace("<ip-address>192.0.2.9</ip-address>", ""))
    bad = run_hakb("check", str(no_address), "--model", "PA-3260", data_dir=seed_data_dir)
    assert bad.returncode == 1, bad.stderr
    assert "1 error(s), 1 warning(s)" in bad.stdout
    assert "ERROR deviceconfig/high-availability/interface/ha1\n  HA1 has no IP address" in bad.stdout
    assert '"The HA1 link is a Layer 3 link and requires an IP address."' in bad.stdout
    assert "WARNING deviceconfig/high-availability/group/election-option/heartbeat-backup" in bad.stdout
    # Unreadable input fails before any build is loaded.
    hostile = run_hakb("check", str(FIXTURES / "billion-laughs.xml"), "--model", "PA-3260", data_dir=seed_data_dir)
    assert hostile.returncode == 2 and "document type" in hostile.stderr and "Traceback" not in hostile.stderr
    missing = run_hakb("check", str(tmp_path / "nope.xml"), "--model", "PA-3260", data_dir=seed_data_dir)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_a_value_another_versions_range_allows_is_a_warning_not_an_error(corpus_engine) -> None:  # type: ignore[no-untyped-def]
    """Two applicable pages, two ranges: an error only when no range holds the value; when
    one does, a warning that names the versions that differ and cites both."""
    from hakb.ingest.models import Scope
    from hakb.service.checks.config_check import _Checker

    facts = corpus_engine.build.facts.facts
    (latest,) = [f for f in facts if f.attribute == "range" and f.subject == "Hello Interval"]
    assert latest.value == "8,000 to 60,000"
    older = latest.model_copy(
        update={
            "value": "1,000 to 60,000",
            "quote": latest.quote.replace("8,000 to 60,000", "1,000 to 60,000"),
            "scope": Scope(product="ngfw", versions=("10.1",), latest=False),
            "version": "10.1",
        }
    )
    text = (FIXTURES / "hello-interval-out-of-range.xml").read_text()

    def ranges(value: str) -> list[tuple[str, str, list[str]]]:
        checker = _Checker(parse_config(text.replace(">5000<", f">{value}<")), [*facts, older], {"PA-3260"})
        checker.run()
        return [(f.severity, f.problem, [c.quote for c in f.rules]) for f in checker.findings if f.check == "range"]

    ((severity, problem, quotes),) = ranges("5000")
    assert severity == "warning"
    assert "version 10.1" in problem and "the latest version" in problem
    assert "1,000 to 60,000" in problem and "8,000 to 60,000" in problem
    assert sorted(quotes) == sorted([latest.quote, older.quote])
    ((severity, problem, quotes),) = ranges("500")  # no documented range holds it
    assert severity == "error" and len(quotes) == 2, problem
    assert ranges("9000") == []


def test_the_cli_refuses_an_endless_or_huge_file_without_reading_it_whole(seed_data_dir: Path, tmp_path: Path) -> None:
    """/dev/zero never ends: read up to the limit and one more character, then refused."""
    env = {"HAKB_MAX_BODY_BYTES": "5000"}
    endless = run_hakb("check", "/dev/zero", "--model", "PA-3260", data_dir=seed_data_dir, env=env, timeout=60)
    assert endless.returncode == 2, endless.stderr
    assert "/dev/zero is over 5,000 characters" in endless.stderr and "Traceback" not in endless.stderr
    piped = run_hakb("check", "-", "--model", "PA-3260", data_dir=seed_data_dir, env=env, input="<a/>" * 2000)
    assert piped.returncode == 2 and "standard input is over 5,000 characters" in piped.stderr, piped.stderr


@pytest.mark.parametrize("name", ["o'brien", 'say "hi"', 'it\'s "x"'])
def test_an_entry_name_with_quotes_gets_an_xpath_that_finds_it(name: str) -> None:
    from xml.sax.saxutils import quoteattr

    from lxml import etree  # type: ignore[import-untyped]  # no stubs; a full XPath 1.0 (concat)

    section = (
        "<high-availability><group><monitoring><path-monitoring><path-group>"
        f"<entry name={quoteattr(name)}><destination-ip>192.0.2.77</destination-ip></entry>"
        "</path-group></path-monitoring></monitoring></group></high-availability>"
    )
    (setting,) = [s for s in parse_config(section).settings if s.value == "192.0.2.77"]
    document = etree.fromstring(f"<deviceconfig>{section}</deviceconfig>")
    found = document.xpath("/" + setting.where)  # an invalid XPath raises here
    assert [e.text for e in found] == ["192.0.2.77"], setting.where
