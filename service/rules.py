"""The rules engine: a parsed question -> the facts that answer it, and their wording.

Every value in an answer comes from a fact; the words around values ("uses",
"ether type") are fixed phrasing, never numbers or names.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from ingest import lexicon
from ingest.models import Fact
from service.facts_table import FactTable, norm_value
from service.question import Query, content_words

# Attribute groups answered together, keyed by the attribute a cue names first.
GROUPS: dict[str, tuple[str, ...]] = {
    "ethertype": ("ethertype",),
    "encapsulation": ("encapsulation",),
    "dedicated-ha-ports": ("dedicated-ha-ports",),
    "encryption": ("port", "protocol", "not-supported"),
    "requires": ("requires", "message-size", "required-in"),
    "direction": ("direction", "keepalive"),
    "keepalive": ("keepalive", "direction"),
    "layer": ("layer",),
    "spans-subnets": ("spans-subnets", "transport"),
    "can-use": ("can-use", "not-supported"),
    "protocol": ("protocol", "transport", "port", "ip-protocol"),
    "port": ("port", "ip-protocol"),
    "recommended": ("recommended", "interface"),
    "interface": ("interface",),
    "purpose": ("purpose", "synchronizes"),
}
REVERSE_ATTRIBUTES = ("port", "ip-protocol", "ethertype")

_LABELS = {
    "port": "port",
    "ip-protocol": "IP protocol number",
    "ethertype": "ether type",
    "layer": "layer",
    "encapsulation": "encapsulation",
    "direction": "data flow",
    "keepalive": "keepalive",
    "purpose": "used for",
    "synchronizes": "synchronizes",
    "can-use": "can use",
    "not-supported": "not supported",
    "requires": "requires",
    "required-in": "required in",
    "recommended": "recommended",
    "interface": "interface",
    "dedicated-ha-ports": "dedicated HA ports",
    "spans-subnets": "can",
    "message-size": "messages",
    "protocol": "protocol",
    "transport": "transport",
    "constraint": "note",
}
_GENERIC_WORDS = frozenset(
    "link links port ports interface interfaces configure configured use used support supported "
    "ha1 ha2 ha3 ha4 backup heartbeat series model models pa platform platforms peer peers dedicated".split()
)


@dataclass
class RuleResult:
    facts: list[Fact]
    text: str
    polarity: bool | None = None  # yes/no questions: True yes, False no, None undecided
    confidence: float = 0.9
    note: str | None = None  # e.g. "PA-3260 is documented as PA-3200 Series"
    abstain_reason: str | None = None
    looked_for: str = ""
    platform_names: list[str] = field(default_factory=list)


def answer(query: Query, table: FactTable, context: Query | None = None) -> RuleResult | None:
    """Facts for the query, or None when the rules table cannot say (try passages)."""
    if query.unknown_links:
        known = sorted(s for s in table.subjects if s in lexicon.LINKS)
        return RuleResult(
            facts=[],
            text="",
            abstain_reason=f"The documents describe no {', '.join(query.unknown_links)} link (they cover {', '.join(known)}).",
            looked_for=", ".join(query.unknown_links),
        )
    subjects = query.subjects or (context.subjects if context and not query.platform and not query.numbers else [])
    platform_names: list[str] = []
    note = None
    if query.platform:
        platform_names = table.resolve(query.platform)
        if not platform_names:
            return RuleResult(
                facts=[],
                text="",
                abstain_reason=(
                    f"The documents do not mention {query.platform}. "
                    f"Platforms they cover: {', '.join(table.families())}."
                ),
                looked_for=query.platform,
            )
        if query.platform not in platform_names:
            note = f"{query.platform} is covered by the documents as {' / '.join(platform_names)}."
    elif context and context.platform and not query.subjects:
        platform_names = table.resolve(context.platform)

    if (query.numbers or query.hexes) and not subjects and not platform_names and _is_reverse(query):
        return _reverse(query, table)

    groups = [a for a in query.attributes if a in GROUPS]
    if not groups and context and not query.attributes:
        groups = [a for a in context.attributes if a in GROUPS]
    if subjects and not groups:
        groups = ["purpose"]
    looked_for = " ".join(filter(None, [", ".join(subjects), query.platform or "", "/".join(groups[:2])]))

    if platform_names and not subjects:
        return _platform_answer(query, table, platform_names, groups, note, looked_for)
    if not subjects:
        if groups and groups[0] in ("port", "protocol"):
            subjects = [s for s in lexicon.LINKS if table.by_subject(s)]
        else:
            return None

    for group in groups:
        facts = _facts_for(table, subjects, GROUPS[group], query, platform_names, group)
        if facts:
            result = _render(query, facts, group, platform_names, table)
            result.note = note
            result.looked_for = looked_for
            result.platform_names = platform_names
            return result
    return RuleResult(facts=[], text="", looked_for=looked_for, platform_names=platform_names, note=note)


def _is_reverse(query: Query) -> bool:
    return not any(a in query.attributes for a in ("requires", "message-size"))


def _reverse(query: Query, table: FactTable) -> RuleResult:
    values = query.hexes + query.numbers
    facts = [f for v in values for f in table.by_value(v) if f.attribute in REVERSE_ATTRIBUTES]
    looked = ", ".join(values)
    if not facts:
        return RuleResult(
            facts=[],
            text="",
            abstain_reason=f"No document names {looked} as a port, protocol number or ether type.",
            looked_for=looked,
        )
    lines = []
    for value in values:
        users = [f for f in facts if norm_value(f.value) == norm_value(value)]
        if not users:
            lines.append(f"{value}: not found in the documents.")
            continue
        by_subject: OrderedDict[str, list[Fact]] = OrderedDict()
        for f in users:
            by_subject.setdefault(f.subject, []).append(f)
        parts = []
        for subject, fs in by_subject.items():
            f = fs[0]
            detail = ", ".join(filter(None, [f.protocol if f.protocol != "IP" else None, f.qualifier]))
            parts.append(f"{subject} ({_LABELS[f.attribute]}{'; ' + detail if detail else ''})")
        lines.append(f"{value} is used by {', '.join(parts)}.")
    return RuleResult(facts=facts, text=" ".join(lines), confidence=0.95, looked_for=looked)


def _facts_for(
    table: FactTable,
    subjects: list[str],
    attributes: tuple[str, ...],
    query: Query,
    platform_names: list[str],
    group: str,
) -> list[Fact]:
    facts = [f for s in subjects for f in table.by_subject(s) if f.attribute in attributes]
    if group == "encryption":
        facts = [f for f in facts if "encrypt" in (f.value + " " + (f.qualifier or "")).lower()]
    if group in ("port", "protocol"):
        asked = [p for p in ("tcp", "udp", "icmp", "ssh") if re.search(rf"\b{p}\b", query.text.lower())]
        if asked and not query.yes_no:
            narrowed = [f for f in facts if any(p in (f"{f.protocol} {f.value}").lower() for p in asked)]
            facts = narrowed or facts
    if group in ("can-use", "requires", "recommended", "interface") and facts:
        words = set(content_words(query.text)) - _GENERIC_WORDS
        matched = [f for f in facts if words & set(content_words(f.value))]
        if matched:
            facts = matched
        elif group == "can-use" and words:
            return []
    if platform_names:
        # A fact scoped to other platforms does not answer for this one (but is
        # kept for can-use so the answer can say which platforms it is listed for).
        if group != "can-use":
            facts = [f for f in facts if not f.platforms or set(f.platforms) & set(platform_names)] or facts
    return facts


def _platform_answer(
    query: Query,
    table: FactTable,
    names: list[str],
    groups: list[str],
    note: str | None,
    looked_for: str,
) -> RuleResult:
    about = table.about_platforms(names)
    wanted = [a for g in groups for a in GROUPS[g]]
    facts = [f for f in about if f.attribute in wanted] if wanted else []
    if not facts:
        facts = [f for f in about if f.attribute == "constraint"]
        if wanted and query.yes_no:
            # Nothing on this exact point for this platform: say what is known instead.
            result = _render(query, facts, "constraint", names, table) if facts else RuleResult([], "")
            result.polarity = None
            result.confidence = 0.6
            result.note, result.looked_for, result.platform_names = note, looked_for, names
            return result
    if not facts:
        return RuleResult([], "", looked_for=looked_for, platform_names=names, note=note)
    group = groups[0] if groups and facts[0].attribute != "constraint" else "constraint"
    result = _render(query, facts, group, names, table)
    result.note, result.looked_for, result.platform_names = note, looked_for, names
    return result


def _render(query: Query, facts: list[Fact], group: str, platform_names: list[str], table: FactTable) -> RuleResult:
    polarity = _polarity(query, facts, group, platform_names) if query.yes_no else None
    lines: list[str] = []
    by_key: OrderedDict[tuple[str, str], list[Fact]] = OrderedDict()
    for f in facts:
        by_key.setdefault((f.subject, f.attribute), []).append(f)
    for (subject, attribute), fs in by_key.items():
        lines.append(_line(subject, attribute, fs, platform_names))
    text = " ".join(lines)
    confidence = 0.92
    if group == "can-use" and platform_names and polarity is False:
        confidence = 0.75
    return RuleResult(facts=facts, text=text, polarity=polarity, confidence=confidence)


def _line(subject: str, attribute: str, facts: list[Fact], platform_names: list[str]) -> str:
    label = _LABELS.get(attribute, attribute)
    values = _distinct_values(facts, attribute)
    conflict = any(f.conflict for f in facts) and len({norm_value(f.value) for f in facts}) > 1
    if conflict:
        by_value: OrderedDict[str, list[str]] = OrderedDict()
        for f in facts:
            by_value.setdefault(f.value, [])
            if f.title not in by_value[f.value]:
                by_value[f.value].append(f.title)
        parts = [f"{v} ({', '.join(t)})" for v, t in by_value.items()]
        return f"{subject} {label}: documents differ: {' and '.join(parts)}."
    if attribute == "constraint":
        return " ".join(dict.fromkeys(values))
    scope = _scope(facts, platform_names)
    return f"{subject} {label}: {'; '.join(values)}{scope}."


def _distinct_values(facts: list[Fact], attribute: str) -> list[str]:
    if attribute in ("port", "ip-protocol"):
        # One entry per value: the protocol and qualifier any source gives it.
        info: OrderedDict[str, list[str | None]] = OrderedDict()
        for f in facts:
            proto, qual = info.setdefault(f.value, [None, None])
            info[f.value] = [proto or f.protocol, qual or f.qualifier]
        groups: OrderedDict[tuple[str | None, str | None], list[str]] = OrderedDict()
        for value, (proto, qual) in info.items():
            groups.setdefault((proto if attribute == "port" else None, qual), []).append(value)
        return [
            f"{proto + ' ' if proto else ''}{', '.join(vals)}" + (f" ({qual})" if qual else "")
            for (proto, qual), vals in groups.items()
        ]
    out = []
    for f in facts:
        v = f.value + (f" ({f.qualifier})" if f.qualifier and attribute not in ("constraint",) else "")
        if norm_value(v) not in {norm_value(o) for o in out}:
            out.append(v)
    return out


def _scope(facts: list[Fact], platform_names: list[str]) -> str:
    scoped = [f for f in facts if f.platforms]
    if not scoped or len(scoped) < len(facts):
        return ""
    names = list(dict.fromkeys(p for f in scoped for p in f.platforms))
    return f" (on {', '.join(names)})"


def _polarity(query: Query, facts: list[Fact], group: str, platform_names: list[str]) -> bool | None:
    low = query.text.lower()
    if group == "can-use":
        if not platform_names:
            return True
        return any(not f.platforms or set(f.platforms) & set(platform_names) for f in facts)
    if group in ("not-supported",):
        return False
    attrs = {f.attribute for f in facts}
    if group == "encryption":
        return "not-supported" not in attrs
    if attrs == {"not-supported"}:
        return False
    if group == "dedicated-ha-ports":
        return not all(f.value.lower().startswith("without") for f in facts)
    if group == "layer":
        m = re.search(r"layer\s*([1-7])", lexicon.normalise(query.text).replace("l2", "layer 2").replace("l3", "layer 3"))
        if m:
            return any(f.value.lower() == f"layer {m.group(1)}" for f in facts)
    if group in ("port", "protocol"):
        if query.numbers:
            return any(f.value in query.numbers for f in facts)
        protos = [p for p in ("tcp", "udp", "icmp", "ssh") if re.search(rf"\b{p}\b", low)]
        if protos:
            return any(any(p in f"{f.protocol} {f.value}".lower() for p in protos) for f in facts)
    if group == "ethertype" and query.hexes:
        return any(norm_value(f.value) in query.hexes for f in facts)
    if group in ("requires", "recommended", "spans-subnets", "direction", "keepalive", "purpose", "encapsulation"):
        if group == "direction" and "bidirectional" in low:
            return not any(f.value.lower() == "unidirectional" for f in facts)
        if group == "direction" and "unidirectional" in low:
            return any(f.value.lower() == "unidirectional" for f in facts)
        return True if group in ("requires", "recommended", "spans-subnets") else None
    return None
