"""The facts' attributes in one place: what each is called in an answer, what its value
looks like in a sentence, and how ingest and the engine treat it.

Ingest writes only these names (a `Fact` with another is refused), the engine words its
answers with these labels, and what used to be four lists in four modules (single-valued
attributes, core attributes, reverse lookups, value shapes) are views of this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    name: str  # as stored in a fact ("ip-protocol")
    label: str  # as an answer says it ("IP protocol number")
    # One value per (subject, attribute, qualifier, platforms): two documents giving two
    # values disagree, rather than listing two things.
    single_valued: bool = False
    # What a link is on the wire: a new build that changes one is reported by `hakb ingest`.
    core: bool = False
    # A value can be looked up back to its link ("what uses 29281?").
    reverse: bool = False
    # What a value of this attribute looks like in a sentence: a question asking for it is
    # not answered by a sentence without one.
    shape: str | None = None


_NUMBER = r"\b\d[\d,]*\b"
# A port or protocol number stands alone: not a piece of "10,000" or "2.5", and with no
# unit after it ("1000 ms", "9000 bytes", "10 Gbps" are durations and sizes).
# Units of time, size and rate: a number with one after it is a duration or a size, no port
# and no model (the engine's bare model numbers read it too).
UNIT = r"(?:(?:ms|s|secs?|seconds?|milliseconds?|minutes?|mins?|hours?|days?|bytes?|[kmg]b(?:ps)?|percent)\b|%)"
_ALONE_BEFORE = r"(?<![\d,.])"
_ALONE_AFTER = rf"(?![\d]|[,.]\d|\s*{UNIT})"

_ALL = (
    Attribute("port", "port", core=True, reverse=True, shape=rf"{_ALONE_BEFORE}\b\d{{2,5}}\b{_ALONE_AFTER}"),
    Attribute(
        "ip-protocol",
        "IP protocol number",
        core=True,
        reverse=True,
        shape=rf"{_ALONE_BEFORE}\b\d{{1,3}}\b{_ALONE_AFTER}",
    ),
    Attribute("ethertype", "ether type", single_valued=True, core=True, reverse=True, shape=r"\b0x[0-9a-f]{3,4}\b"),
    Attribute("protocol", "protocol", core=True),
    Attribute("transport", "transport", core=True),
    Attribute("layer", "layer", single_valued=True, core=True, shape=r"\blayer ?[1-7]\b"),
    Attribute("encapsulation", "encapsulation", single_valued=True),
    Attribute("message-size", "messages", shape=_NUMBER),
    Attribute("range", "range", single_valued=True, shape=_NUMBER),
    Attribute("default", "default", single_valued=True, shape=_NUMBER),
    Attribute("direction", "data flow"),
    Attribute("keepalive", "keepalive"),
    Attribute("purpose", "used for"),
    Attribute("synchronizes", "synchronizes"),
    Attribute("can-use", "can use"),
    Attribute("not-supported", "not supported"),
    Attribute("requires", "requires"),
    Attribute("required-in", "required in"),
    Attribute("not-required", "not needed"),
    Attribute("recommended", "recommended"),
    Attribute("interface", "interface"),
    Attribute("dedicated-ha-ports", "dedicated HA ports"),
    Attribute("spans-subnets", "can"),
    Attribute("constraint", "note"),
    Attribute("max-members", "max-members"),
)

ATTRIBUTES: dict[str, Attribute] = {a.name: a for a in _ALL}

SINGLE_VALUED = frozenset(a.name for a in _ALL if a.single_valued)
CORE = frozenset(a.name for a in _ALL if a.core)
REVERSE = tuple(a.name for a in _ALL if a.reverse)
SHAPES: dict[str, re.Pattern[str]] = {a.name: re.compile(a.shape, re.I) for a in _ALL if a.shape}


def label(name: str) -> str:
    """How an attribute reads in an answer ("ip-protocol" -> "IP protocol number")."""
    known = ATTRIBUTES.get(name)
    return known.label if known else name


def check(name: str) -> str:
    """`name` if it is a registered attribute; a ValueError naming the known ones if not."""
    if name not in ATTRIBUTES:
        raise ValueError(f"unknown attribute {name!r}; known: {', '.join(sorted(ATTRIBUTES))}")
    return name
