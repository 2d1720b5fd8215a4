"""`hakb ask --product/--deployment/--version/--platform`: the scope flags, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_hakb

HA1 = "what port does ha1 use?"


def test_ask_answers_in_the_scope_the_flags_name(seed_data_dir: Path) -> None:
    plain = run_hakb("ask", HA1, data_dir=seed_data_dir)
    assert plain.returncode == 0 and "28769" in plain.stdout

    covered = run_hakb("ask", "--version", "11.1", "--platform", "pa3260", "--json", HA1, data_dir=seed_data_dir)
    assert covered.returncode == 0, covered.stderr
    assert "28769" in json.loads(covered.stdout)["answer"]

    # The seed document is the firewall's admin guide: CN-Series on AWS is not covered.
    elsewhere = run_hakb("ask", "--product", "CN-Series", "--deployment", "aws", HA1, data_dir=seed_data_dir)
    assert "do not cover CN-Series, AWS" in elsewhere.stdout and "28769" not in elsewhere.stdout
    assert "they cover: Next-Generation Firewall" in elsewhere.stdout

    # Questions read from stdin get the same scope.
    batch = run_hakb("ask", "--product", "cn-series", "-", data_dir=seed_data_dir, input=f"{HA1}\n")
    assert "do not cover CN-Series" in json.loads(batch.stdout.splitlines()[0])["answer"]


def test_a_scope_flag_that_cannot_be_read_is_a_usage_error(seed_data_dir: Path) -> None:
    bad = run_hakb("ask", "--version", "nine", "--product", "toaster!", HA1, data_dir=seed_data_dir)
    assert bad.returncode == 2
    assert "version 'nine' is not a PAN-OS version" in bad.stderr
    assert "product 'toaster!' may hold only letters, digits" in bad.stderr
    assert "Traceback" not in bad.stderr
