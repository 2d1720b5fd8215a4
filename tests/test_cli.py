"""The installed `hakb` command, run as a user runs it (a subprocess).

Bad documents: one line each, naming the document and why; the good ones still
ingest; non-zero exit; no traceback; the previous build keeps serving.
Exit codes: 0 done/answered, 1 ingest had failures, 2 usage or input error, 3 abstained.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from hakb.ingest import builds
from tests.conftest import SEED_DOC, copy_data_dir, free_port, run_hakb

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert not re.search(r"^\s+File \"", stderr, re.M), stderr


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def _current(data_dir: Path) -> str | None:
    return builds.current_build_id(data_dir / "index")


def _facts_json(data_dir: Path, *args: str) -> list[dict[str, object]]:
    done = run_hakb("facts", "--json", *args, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# -- bad input to ingest ---------------------------------------------------------


def _bad_documents(root: Path) -> dict[str, tuple[str, str]]:
    """source -> (what the error line must say, why); URL included."""
    root.mkdir()
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_bytes(b"  \n\t\n")
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20)
    (root / "latin1.txt").write_bytes(
        "HA1 nutzt Port 28769 f\u00fcr Klartext \u2013 \u00e9t\u00e9".encode("latin-1", "replace")
    )
    (root / "nobody.html").write_text(
        "<!doctype html><html><head><title>Nothing</title></head><body>"
        "<nav>Home | Docs</nav><footer>\u00a9 2024</footer></body></html>",
        encoding="utf-8",
    )
    unreadable = root / "unreadable.txt"
    unreadable.write_text("HA1 uses port 28769.", encoding="utf-8")
    unreadable.chmod(0)
    bad = {
        str(root / "empty.txt"): ("empty", "no bytes"),
        str(root / "blank.txt"): ("whitespace", "only whitespace"),
        str(root / "binary.txt"): ("binary", "binary"),
        str(root / "latin1.txt"): ("not valid UTF-8", "another encoding"),
        str(root / "nobody.html"): ("no body text", "HTML with no body"),
        str(root / "missing.txt"): ("no such file", "a path that does not exist"),
        f"http://127.0.0.1:{free_port()}/ha-links.html": ("cannot be fetched", "nothing listening"),
    }
    if os.access(unreadable, os.R_OK):  # root reads anything: the permission case cannot happen
        unreadable.unlink()
    else:
        bad[str(unreadable)] = ("permission denied", "no read permission")
    return bad


def test_bad_documents_are_named_and_the_good_one_still_ingests(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    previous = _current(data_dir)
    bad = _bad_documents(tmp_path / "bad")
    good = shutil.copy(FIXTURES / "ports.html", tmp_path / "ports.html")

    done = run_hakb("ingest", *bad, str(good), data_dir=data_dir)

    assert done.returncode == 1, (done.stdout, done.stderr)
    _no_traceback(done.stderr)
    lines = _error_lines(done.stderr)
    assert len(lines) == len(bad), done.stderr  # one line per bad document
    for source, (reason, why) in bad.items():
        (line,) = [line for line in lines if source in line]  # names the document
        assert reason.lower() in line.lower(), f"{why}: {line}"
    # The good page made a new build, and the seed carried over into it.
    assert _current(data_dir) != previous
    summary = rf"new build \S+: 2 documents, \d+ sections, \d+ facts, \d+ chunks, \d+ conflicts in [\d.]+ s; {len(bad)} failed"
    assert re.search(summary, done.stdout), done.stdout
    ports = {f["value"] for f in _facts_json(data_dir, "--attribute", "port")}
    assert {"28769", "28901", "28922"} <= ports


def test_only_bad_documents_leave_the_previous_build_serving(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    previous = _current(data_dir)
    bad = _bad_documents(tmp_path / "bad")

    done = run_hakb("ingest", *bad, data_dir=data_dir)

    assert done.returncode == 1, (done.stdout, done.stderr)
    _no_traceback(done.stderr)
    assert len([line for line in _error_lines(done.stderr) if any(s in line for s in bad)]) == len(bad)
    assert done.stdout.startswith(f"unchanged {previous}:")
    assert _current(data_dir) == previous
    assert "28769" in {f["value"] for f in _facts_json(data_dir, "--subject", "HA1", "--attribute", "port")}


def test_a_document_gone_bad_keeps_its_previous_version(tmp_path: Path) -> None:
    """The docs folder is re-ingested after the seed file was emptied by accident: the
    other page updates, and the seed's facts keep serving from its last good version."""
    data_dir = tmp_path / "data"
    docs = data_dir / "docs"
    docs.mkdir(parents=True)
    shutil.copy(SEED_DOC, docs)
    shutil.copy(FIXTURES / "ports.html", docs)
    first = run_hakb("ingest", data_dir=data_dir)
    assert first.returncode == 0, first.stderr

    (docs / SEED_DOC.name).write_bytes(b"")
    page = docs / "ports.html"
    page.write_text(page.read_text(encoding="utf-8").replace("28922", "28923"), encoding="utf-8")
    done = run_hakb("ingest", data_dir=data_dir)

    assert done.returncode == 1
    _no_traceback(done.stderr)
    (line,) = _error_lines(done.stderr)
    assert SEED_DOC.name in line and "empty" in line and "previous version kept" in line
    ports = {f["value"] for f in _facts_json(data_dir, "--attribute", "port")}
    assert "28923" in ports and "28922" not in ports  # the good page moved on
    assert "28769" in ports  # the broken one kept serving as it was


def test_ingest_summary_and_unchanged_rerun(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    done = run_hakb("ingest", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert re.match(
        r"unchanged \S+: 1 documents, \d+ sections, \d+ facts, \d+ chunks, 0 conflicts in [\d.]+ s", done.stdout
    )


def test_ingest_without_documents_is_a_usage_error(tmp_path: Path) -> None:
    done = run_hakb("ingest", str(tmp_path / "nothing-here"), data_dir=tmp_path / "data")
    assert done.returncode == 2
    _no_traceback(done.stderr)
    assert "nothing-here" in done.stderr


# -- ask -------------------------------------------------------------------------


def test_ask_prints_the_answer_and_its_citations(seed_data_dir: Path) -> None:
    done = run_hakb("ask", "what", "port", "does", "ha1", "use?", data_dir=seed_data_dir)
    assert done.returncode == 0, done.stderr
    answer, *citations = done.stdout.strip().splitlines()
    assert "28769" in answer and "28260" in answer
    assert citations and any("28769" in c and "HA Links and Backup Links" in c for c in citations)
    assert any("https://docs.paloaltonetworks.com/" in c for c in citations)


def test_ask_json_prints_the_answer_object(seed_data_dir: Path) -> None:
    done = run_hakb("ask", "--json", "what is ether type 0x7261?", data_dir=seed_data_dir)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["kind"] == "fact" and "HA2" in answer["answer"]
    assert answer["citations"] and answer["build_id"] == _current(seed_data_dir)


def test_ask_abstains_with_exit_3(seed_data_dir: Path) -> None:
    done = run_hakb("ask", "what port does HA5 use?", data_dir=seed_data_dir)
    assert done.returncode == 3
    assert "HA5" in done.stdout
    _no_traceback(done.stderr)


@pytest.mark.parametrize("question", ["   ", "x" * 2001])
def test_ask_bad_question_is_a_usage_error(seed_data_dir: Path, question: str) -> None:
    done = run_hakb("ask", question, data_dir=seed_data_dir)
    assert done.returncode == 2
    assert done.stderr.startswith("hakb: ") and ("empty" in done.stderr or "2000" in done.stderr)
    _no_traceback(done.stderr)


def test_ask_without_a_build_says_to_ingest(tmp_path: Path) -> None:
    done = run_hakb("ask", "what port does ha1 use?", data_dir=tmp_path / "empty")
    assert done.returncode == 2
    assert "hakb ingest" in done.stderr
    _no_traceback(done.stderr)


def test_ask_stdin_prints_one_json_answer_per_line(seed_data_dir: Path) -> None:
    questions = ["what port does ha1 use?", "", "what port does HA5 use?", "what uses port 28771?"]
    done = run_hakb("ask", "-", data_dir=seed_data_dir, input="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == [q for q in questions if q]
    assert [a["kind"] for a in answers] == ["fact", "abstain", "fact"]
    assert "28769" in answers[0]["answer"] and "heartbeat-backup" in answers[2]["answer"]


def test_unknown_command_is_a_usage_error() -> None:
    done = run_hakb("frobnicate")
    assert done.returncode == 2
    _no_traceback(done.stderr)


# -- facts -----------------------------------------------------------------------


def test_facts_json_filtered_by_subject(seed_data_dir: Path) -> None:
    facts = _facts_json(seed_data_dir, "--subject", "HA2")
    assert facts and {f["subject"] for f in facts} == {"HA2"}
    by_attribute = {(f["attribute"], f["value"]) for f in facts}
    assert {("ethertype", "0x7261"), ("port", "29281"), ("ip-protocol", "99"), ("layer", "Layer 2")} <= by_attribute
    for f in facts:
        assert str(f["value"]) in str(f["quote"]) and f["url"] and f["section"]


def test_facts_table_for_a_platform_names_the_family(seed_data_dir: Path) -> None:
    done = run_hakb("facts", "--platform", "PA-3260", data_dir=seed_data_dir)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.strip().splitlines()
    assert rows and all("PA-3200 Series" in row for row in rows)
    assert any("aggregate interfaces" in row for row in rows)
