"""Which core facts a new build changes: the ports, protocols, ether types, transports
and layers of the HA links, the values a failover depends on.

A document is trusted input, but one that says "HA1 uses port 31337" changes what every
answer about HA1 says; `hakb ingest` prints such changes so whoever adds a page sees them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from hakb import attributes
from hakb.ingest import builds, lexicon
from hakb.ingest.models import Fact

CORE_ATTRIBUTES = attributes.CORE


def _core(facts: Iterable[Fact]) -> dict[tuple[str, str, str], str]:
    """(link, attribute, value) -> the title of a page that says it."""
    out: dict[tuple[str, str, str], str] = {}
    for f in facts:
        if f.subject in lexicon.LINKS and f.attribute in CORE_ATTRIBUTES and not f.platforms:
            value = re.sub(r"\s+", " ", f.value).strip().lower()
            out.setdefault((f.subject, f.attribute, value), f.title)
    return out


def core_changes(before: Iterable[Fact], after: Iterable[Fact]) -> list[str]:
    """'+ HA1 port 31337 (Evil Page)' for a core value the new build says and the old one
    did not; '- ...' for one it no longer says."""
    old, new = _core(before), _core(after)
    added = [f"+ {s} {a} {v} ({new[(s, a, v)]})" for (s, a, v) in new if (s, a, v) not in old]
    removed = [f"- {s} {a} {v} ({old[(s, a, v)]})" for (s, a, v) in old if (s, a, v) not in new]
    return added + removed


def build_core_changes(index_dir: Path, old_id: str | None, new_id: str | None) -> list[str]:
    """The core changes from build `old_id` to build `new_id` ([] when either is missing)."""
    if not old_id or not new_id or old_id == new_id:
        return []
    try:
        before = builds.read_jsonl(builds.build_path(index_dir, old_id) / "facts.jsonl", Fact)
        after = builds.read_jsonl(builds.build_path(index_dir, new_id) / "facts.jsonl", Fact)
    except (OSError, ValueError):
        return []  # an old build already cleaned up: nothing to compare with
    return core_changes(before, after)
