"""A document that claims a core fact the others contradict (issue 14, item 8): the
answer shows the disagreement with each source instead of merging the values, and
`hakb ingest` says which core facts the new document changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import make_data_dir, run_hakb

CLAIM = "# Control Link Notes\n\nThe HA1 control link uses TCP port 31337 for all communication between the peers.\n"


def test_a_page_claiming_another_ha1_port_is_shown_apart_and_reported_by_ingest(tmp_path: Path) -> None:
    data_dir = make_data_dir(tmp_path / "data")
    first = run_hakb("ingest", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    claim = tmp_path / "control-link-notes.md"
    claim.write_text(CLAIM, encoding="utf-8")
    shutil.copy(claim, data_dir / "docs" / claim.name)

    second = run_hakb("ingest", data_dir=data_dir)
    assert second.returncode == 0, second.stderr
    assert "core facts this ingest changes" in second.stdout
    assert "+ HA1 port 31337 (Control Link Notes)" in second.stdout

    asked = run_hakb("ask", "--json", "what port does ha1 use?", data_dir=data_dir)
    answer = json.loads(asked.stdout)
    text = answer["answer"]
    assert "documents differ" in text
    # The claim stands apart with its source; the agreed ports are still all there.
    claim_part = next(part for part in text.split(" and ") if "31337" in part)
    assert "(Control Link Notes)" in claim_part and "28769" not in claim_part
    assert "28769" in text and "28260" in text
    assert any("31337" in c["quote"] for c in answer["citations"])

    again = run_hakb("ingest", "--json", data_dir=data_dir)
    assert json.loads(again.stdout)["core_changes"] == []  # nothing new: nothing to report
