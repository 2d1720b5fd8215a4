"""What a fact of the facts table says a configuration must do, read from its value and quote.

The check holds no rule of its own: every number, port name, link and condition it
judges by is read here from a fact (`Fact.value`, `Fact.quote`), so editing a document
changes what is checked. What is read:

- a **range** ("8,000 to 60,000", "1-63", "200 to 60,000ms") with its unit (the fact's
  qualifier, "ms", "sec", "min");
- the **features** a not-supported fact names ("backup links", "encryption", "an IPv6
  address", "the management (MGT) port", "NPC data ports", "Layer 3 addressing"); a
  condition the configuration section cannot show (DHCP, cluster members) makes the
  fact unreadable, so it is listed as not checked;
- the **kinds of interface** a can-use fact names (aggregate, HSCI, management, data or
  dedicated HA ports);
- the **shape** of a requirement or recommendation: separate ports for the links it
  names, subnets that must differ, an address a link needs, a port a link must use
  ("HSCI-A must be used for HA1 and HA2 primary interfaces"), a link a mode needs, a link
  to enable when a condition holds ("... if you use an in-band port for the HA1 or the
  HA1 backup links"), named ports to connect, a kind of port per link ("use the
  management port for the HA1 port, and use the dataplane port for the HA1 backup").

The words matched (`_FEATURES`, `_KINDS`) are the documents' vocabulary for parts of a
configuration, the way `hakb.ingest.lexicon` holds the names of links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hakb.ingest import lexicon
from hakb.ingest.models import Fact
from hakb.service.checks.ha_config import PortKind

_NUMBER = r"(\d[\d,]*)"
_RANGE = re.compile(
    rf"^\s*{_NUMBER}\s*(ms|sec|seconds|min|minutes)?\s*(?:to|-|–|through)\s*{_NUMBER}\s*([a-z]*)\s*$", re.I
)
_UNITS = {"ms": "ms", "sec": "sec", "seconds": "sec", "s": "sec", "min": "min", "minutes": "min"}
UNIT_MS = {"ms": 1, "sec": 1000, "min": 60_000}


@dataclass(frozen=True)
class Range:
    low: int
    high: int
    unit: str | None

    def text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.low:,} to {self.high:,}{unit}"


def read_range(fact: Fact) -> Range | None:
    m = _RANGE.match(fact.value)
    if m is None:
        return None
    low, unit_a, high, unit_b = m.groups()
    unit = _UNITS.get((unit_b or unit_a or fact.qualifier or "").lower())
    try:
        return Range(int(low.replace(",", "")), int(high.replace(",", "")), unit)
    except ValueError:
        return None


def setting_key(text: str) -> str:
    """'HA2 Keep-alive Threshold' and 'ha2-keep-alive threshold' -> 'ha2 keep alive threshold'."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


# -- features a not-supported fact names ----------------------------------------------

Feature = str  # "backup", "encryption", "ipv6", "management", "data-port", "layer3"
_FEATURES: list[tuple[re.Pattern[str], Feature]] = [
    (re.compile(r"\bbackup\s+links?\b", re.I), "backup"),
    (re.compile(r"\bencrypt", re.I), "encryption"),
    (re.compile(r"\bipv6\b", re.I), "ipv6"),
    (re.compile(r"\b(?:management|mgt)\b", re.I), "management"),
    (re.compile(r"\b(?:npc\s+)?data\s*(?:plane\s+)?ports?\b|\bin-band\s+ports?\b", re.I), "data-port"),
    (re.compile(r"\blayer\s*3\s+address", re.I), "layer3"),
]
# Conditions the high-availability section does not hold: such a fact cannot be judged here.
_UNREADABLE = re.compile(r"\b(?:dhcp|cluster|if|when|unless|switch|mtu|jumbo)\b", re.I)


def read_features(fact: Fact) -> tuple[list[Feature], bool]:
    """The features a not-supported fact names (from its value, else its quote) and whether
    all of what it says could be read."""
    for text in (fact.value, fact.quote):
        found = [name for pattern, name in _FEATURES if pattern.search(text)]
        if found:
            readable = not _UNREADABLE.search(text)
            return found, readable
    return [], False


# -- kinds of interface ---------------------------------------------------------------

_KINDS: list[tuple[re.Pattern[str], PortKind]] = [
    (re.compile(r"\baggregate", re.I), "aggregate"),
    (re.compile(r"\bhsci\b", re.I), "hsci"),
    (re.compile(r"\b(?:management|mgt)\b", re.I), "management"),
    (re.compile(r"\bdedicated\s+ha\b|\bha\d-[ab]\b|\baux-?\d?\b", re.I), "dedicated"),
    (re.compile(r"\b(?:data\s*(?:plane)?|in-band)\s+ports?\b", re.I), "data"),
]
_KIND_WORDS: dict[str, PortKind] = {
    "in-band": "data",
    "data": "data",
    "dataplane": "data",
    "management": "management",
    "mgt": "management",
    "dedicated": "dedicated",
    "hsci": "hsci",
    "aggregate": "aggregate",
}


def read_kinds(text: str) -> set[PortKind]:
    """Kinds of interface a value names; an aggregate "on dataplane ports" is an aggregate."""
    for pattern, kind in _KINDS[:1]:
        if pattern.search(text):
            return {kind}
    return {kind for pattern, kind in _KINDS[1:] if pattern.search(text)}


# -- shapes of requirements and recommendations ----------------------------------------

_SEPARATE_PORTS = re.compile(r"\bseparate\b[^.]*\bports?\b", re.I)
_SUBNETS = re.compile(r"\bdifferent\s+subnet\b|\bmust\s+not\s+overlap\b", re.I)
_NEEDS_ADDRESS = re.compile(r"\brequires\s+an\s+ip\s+address\b", re.I)
_PORT_NAME = r"(ethernet\d+/\d+|hsci-[ab]|ha\d-[ab]|aux-\d)"
_PORT_ASSIGNED = re.compile(rf"\b{_PORT_NAME}\s+must\s+be\s+(?:used|assigned)\s+(?:for|as)\s+(?:the\s+)?([^.;]+)", re.I)
_MODE = re.compile(r"\bactive[/-](active|passive)\b", re.I)
_ENABLING = re.compile(r"\benabl\w*\s+([a-z0-9 -]+?)(?:\s*\(|\s+on\b|\s+if\b)", re.I)
_CONDITION = re.compile(r"\bif\s+you\s+use\s+an?\s+([\w-]+)\s+port\s+for\s+(?:the\s+)?([^.;]+)", re.I)
_NAMED_PORTS = re.compile(r"\b(HA\d-[AB]|HSCI-[AB]|AUX-\d)\b", re.I)
_KIND_FOR_LINK = re.compile(
    r"\buse\s+(?:the\s+)?(management|dataplane|data|in-band)\s+(?:port|interface)\s+for\s+(?:the\s+)?"
    r"(ha\d(?:[\s-]+backup)?)",
    re.I,
)


@dataclass(frozen=True)
class PortsDiffer:
    links: tuple[str, ...]


@dataclass(frozen=True)
class SubnetsDiffer:
    pairs: tuple[tuple[str, str], ...]  # (primary or first link, backup or second link)


@dataclass(frozen=True)
class NeedsAddress:
    link: str


@dataclass(frozen=True)
class PortAssigned:
    port: str
    links: tuple[str, ...]


@dataclass(frozen=True)
class ModeNeedsLink:
    mode: str
    link: str


@dataclass(frozen=True)
class EnableWhen:
    link: str  # the link to enable ("heartbeat-backup")
    kind: PortKind | None  # the condition: one of `links` uses this kind of port
    links: tuple[str, ...]


@dataclass(frozen=True)
class PortsNamed:
    ports: tuple[str, ...]


@dataclass(frozen=True)
class KindForLink:
    pairs: tuple[tuple[PortKind, str], ...]


@dataclass(frozen=True)
class FeatureOn:
    feature: Feature
    link: str


Shape = (
    PortsDiffer
    | SubnetsDiffer
    | NeedsAddress
    | PortAssigned
    | ModeNeedsLink
    | EnableWhen
    | PortsNamed
    | KindForLink
    | FeatureOn
)


def read_requirement(fact: Fact) -> Shape | None:
    """What a `requires` / `required-in` fact asks of a configuration; None when unreadable."""
    quote, value = fact.quote, fact.value
    if m := _PORT_ASSIGNED.search(quote):
        links = tuple(lexicon.links_in(m.group(2)))
        return PortAssigned(m.group(1), links) if links else None  # as the document writes it
    if _SEPARATE_PORTS.search(value) or _SEPARATE_PORTS.search(quote):
        links = tuple(lexicon.links_in(quote))
        return PortsDiffer(links) if len(links) >= 2 else None
    if _SUBNETS.search(quote):
        named = lexicon.links_in(quote)
        backups = [link for link in named if link.endswith("-backup")]
        if backups and re.search(r"\bprimary\b", quote, re.I):
            return SubnetsDiffer(tuple((b.removesuffix("-backup"), b) for b in backups))
        if len(named) == 2 and not backups:
            return SubnetsDiffer(((named[0], named[1]),))
        return None
    if _NEEDS_ADDRESS.search(quote):
        return NeedsAddress(fact.subject)
    if fact.attribute == "required-in" and (m := _MODE.search(value)):
        return ModeNeedsLink(f"active-{m.group(1).lower()}", fact.subject)
    return None


def read_recommendation(fact: Fact) -> Shape | None:
    quote = fact.quote
    if pairs := _KIND_FOR_LINK.findall(quote):
        read = []
        for kind_word, link_text in pairs:
            links = lexicon.links_in(link_text)
            if len(links) == 1:
                read.append((_KIND_WORDS[kind_word.lower()], links[0]))
        return KindForLink(tuple(read)) if read else None
    if (m := _ENABLING.search(quote)) and len(links := lexicon.links_in(m.group(1))) == 1:
        condition = _CONDITION.search(quote)
        if condition is None:
            return None if re.search(r"\bif\b", quote, re.I) else EnableWhen(links[0], None, ())
        kind = _KIND_WORDS.get(condition.group(1).lower())
        named = tuple(lexicon.links_in(condition.group(2)))
        return EnableWhen(links[0], kind, named) if kind and named else None
    if ports := _NAMED_PORTS.findall(fact.value):
        return PortsNamed(tuple(dict.fromkeys(p.lower() for p in ports)))
    features, _ = read_features(fact)
    if features == ["encryption"]:
        return FeatureOn("encryption", fact.subject)
    return None
