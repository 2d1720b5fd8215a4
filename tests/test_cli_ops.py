"""The command line as an operator meets it (issue 13): a busy port, a closed pipe,
ingest progress, and `hakb ask --server` asking a running service. Each runs the
installed `hakb` as a user does (a subprocess)."""

from __future__ import annotations

import json
import os
import pty
import re
import socket
import subprocess
from pathlib import Path

import httpx

from hakb.devserver import clean_env, free_port
from tests.conftest import copy_data_dir, hakb_command, run_hakb

STAGE_LINE = re.compile(r"^hakb ingest: (?P<label>[^:]+): (?P<rest>.*)$")


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "terminate called" not in stderr, stderr


def test_serve_on_a_busy_port_says_so_in_one_line_and_exits_2(seed_data_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_hakb("serve", "--port", str(port), data_dir=seed_data_dir, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr)
    _no_traceback(done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "in use" in lines[0], done.stderr


def test_a_closed_pipe_ends_quietly(seed_data_dir: Path) -> None:
    # `hakb facts --json | head -1`, with the reader gone after one line: the seed's facts
    # as JSON (about 100 kB) outgrow a pipe's buffer (64 kB), so writing meets the closed end.
    env = clean_env({"HAKB_DATA_DIR": str(seed_data_dir)})
    hakb = subprocess.Popen(
        [hakb_command(), "facts", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=seed_data_dir.parent,
    )
    assert hakb.stdout is not None and hakb.stderr is not None
    first = hakb.stdout.readline()
    hakb.stdout.close()  # what `head` does once it has its lines
    stderr = hakb.stderr.read().decode()
    status = hakb.wait(timeout=120)
    assert first.strip(), stderr
    _no_traceback(stderr)
    assert "BrokenPipe" not in stderr and "Exception ignored" not in stderr, stderr
    assert status == 141, (status, stderr)


def _ingest_one(data_dir: Path, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    page = tmp_path / "ha-timers-note.txt"
    page.write_text(
        "HA Timers Note\n\nThe promotion hold time of this test note defaults to 2000 ms.\n"
        "The hello interval of this test note is 8000 ms by default.\n",
        encoding="utf-8",
    )
    return run_hakb("ingest", str(page), "--json", *flags, data_dir=data_dir)


def test_ingest_progress_names_each_stage_in_its_unit_on_stderr_only(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    done = _ingest_one(data_dir, tmp_path, "--progress")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # stdout stays the JSON report alone
    stages = {m.group("label"): m.group("rest") for line in done.stderr.splitlines() if (m := STAGE_LINE.match(line))}
    assert list(stages)[:3] == ["read documents", "facts, passages, model", "embed passages"], done.stderr
    assert {"write files, keyword index", "store vectors", "seal the build"} <= set(stages)
    assert stages["read documents"].startswith("1/1 documents in ")
    # The chunks embedded are the new page's own (the seed's vectors are reused), in chunks.
    embedded = re.match(r"(\d+)/(\d+) chunks in [\d.]+ s", stages["embed passages"])
    assert embedded, stages["embed passages"]
    assert 0 < int(embedded.group(1)) == int(embedded.group(2)) < report["counts"]["chunks"]
    # A rate is shown only when the stage saw more than one report, in its own unit.
    for rest in stages.values():
        rate = re.search(r"\(([\d,.]+) (\w+)/s\)", rest)
        if rate:
            assert rate.group(2) in ("documents", "chunks")

    # Without a terminal or --progress: the report alone (here the same page again: unchanged).
    again = _ingest_one(data_dir, tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["changed"] is False, again.stderr
    assert not [line for line in again.stderr.splitlines() if STAGE_LINE.match(line)], again.stderr


def test_on_a_terminal_ingest_draws_live_stages(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    page = tmp_path / "note.txt"
    page.write_text("Note\n\nThe HA4 keep-alive of this test note is 5000 ms.\n", encoding="utf-8")
    leader, follower = pty.openpty()  # stderr is a terminal; stdout is not
    hakb = subprocess.Popen(
        [hakb_command(), "ingest", str(page)],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=clean_env({"HAKB_DATA_DIR": str(data_dir)}),
        cwd=tmp_path,
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    stdout = hakb.communicate(timeout=120)[0].decode()
    os.close(leader)
    assert hakb.returncode == 0, drawn
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn.decode(errors="replace"))
    assert "read documents" in screen and "1/1 documents" in screen and "embed passages" in screen
    assert " chunks" in screen and "seal the build" in screen
    assert stdout.startswith("new build ")  # the summary stays on stdout, untouched


def test_ask_server_asks_a_running_service_without_an_index(live_server: str, tmp_path: Path) -> None:
    empty = tmp_path / "no-build"  # no index here: a local ask would say "run hakb ingest"
    empty.mkdir()
    local = run_hakb("ask", "what port does ha1 use?", data_dir=empty)
    assert local.returncode == 2 and "ingest" in local.stderr

    served = run_hakb("ask", "--json", "--server", live_server, "what port does ha1 use?", data_dir=empty)
    assert served.returncode == 0, served.stderr
    answer = json.loads(served.stdout)
    direct = httpx.post(f"{live_server}/v1/ask", json={"question": "what port does ha1 use?"}, timeout=30).json()
    assert answer["answer"] == direct["answer"] and answer["build_id"] == direct["build_id"]

    # HAKB_SERVER does the same; the text output cites as the local one does.
    text = run_hakb("ask", "what port does ha1 use?", data_dir=empty, env={"HAKB_SERVER": live_server})
    assert text.returncode == 0, text.stderr
    assert "28769" in text.stdout and '"' in text.stdout and "<https://" in text.stdout

    # The scope flags travel with the question; a bad one is the service's 422: exit 2.
    scoped = run_hakb("ask", "--server", live_server, "--version", "9.1", "ha1 port?", data_dir=empty)
    assert scoped.returncode == 3, scoped.stderr  # no document holds for 9.1: an abstain
    bad = run_hakb("ask", "--server", live_server, "--version", "ten", "ha1 port?", data_dir=empty)
    assert bad.returncode == 2 and "version" in bad.stderr, bad.stderr
    _no_traceback(bad.stderr)

    lines = run_hakb("ask", "--server", live_server, "-", data_dir=empty, input="ha2 udp port?\nha1 port?\n")
    assert lines.returncode == 0 and len(lines.stdout.splitlines()) == 2


def test_ask_server_out_of_reach_is_one_line_exit_1(tmp_path: Path) -> None:
    port = free_port()  # closed again: nothing listens there
    done = run_hakb("ask", "--server", f"http://127.0.0.1:{port}", "ha1 port?", data_dir=tmp_path)
    assert done.returncode == 1, done.stderr
    _no_traceback(done.stderr)
    assert done.stderr.startswith("hakb: cannot reach hakb at") and len(done.stderr.strip().splitlines()) == 1


def test_a_redis_url_of_another_scheme_is_refused_in_one_line_without_its_password(tmp_path: Path) -> None:
    # Before: each worker died with a ValueError traceback from redis-py at start-up.
    done = run_hakb("serve", "--port", "1", data_dir=tmp_path, env={"HAKB_REDIS_URL": "http://user:s3cret@cache:6379"})
    assert done.returncode == 2, done.stderr
    assert "HAKB_REDIS_URL" in done.stderr and "redis://" in done.stderr
    assert "s3cret" not in done.stderr and "Traceback" not in done.stderr
