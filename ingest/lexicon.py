"""The domain vocabulary: HA links, interfaces, protocols and platform models.

This is shared by the fact extractor (reading documents) and the question parser
(reading chat), so that "control link" in a page and "ctrl link" in Slack land on
the same subject. It names *kinds of things* (links, interface names, what a
platform model looks like), never a value: no port, ether type or model list
lives here. Which platforms exist is learnt from the documents of a build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Canonical subjects for the HA links. Order matters for matching: longer,
# more specific surface forms are tried first (see _LINK_PATTERNS).
LINKS = (
    "HA1",
    "HA1-backup",
    "HA2",
    "HA2-backup",
    "HA3",
    "HA4",
    "HA4-backup",
    "heartbeat-backup",
)
INTERFACES = ("MGT", "HSCI", "AUX")
CLUSTER = "cluster"

_SEP = r"[\s\-_]*"
_BACKUP = r"(?:back[\s\-]?up|bakup|backpu|bkup|bk)"

# (regex, canonical subject). Applied to text that was lower-cased.
_LINK_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\bheart{_SEP}?beat{_SEP}{_BACKUP}s?\b|\bhb{_SEP}{_BACKUP}\b"), "heartbeat-backup"),
    # "HA1 and HA2 backup links": the backup applies to both members.
    (re.compile(rf"\bha{_SEP}([12])\s+(?:and|&|/)\s+ha{_SEP}([12])\s+{_BACKUP}"), "HA{0}-backup HA{1}-backup"),
    (re.compile(rf"\b{_BACKUP}{_SEP}ha{_SEP}([124])\b"), "HA{0}-backup"),
    # "HA backup links", "backup HA links": both HA1 and HA2 backups.
    (re.compile(rf"\bha\s+{_BACKUP}\s+links?\b|\b{_BACKUP}\s+ha\s+links?\b"), "HA1-backup HA2-backup"),
    (re.compile(rf"\bha{_SEP}([124])(?:{_SEP}link)?{_SEP}{_BACKUP}\b"), "HA{0}-backup"),
    (re.compile(rf"\bha{_SEP}([1-4])(?:{_SEP}[ab])?\b"), "HA{0}"),
    # "the backup control link", "data link backup": the backups, not the primary links.
    (re.compile(rf"\b{_BACKUP}\s+(?:control|ctrl)\s*links?\b|\b(?:control|ctrl)\s*links?\s+{_BACKUP}\b"), "HA1-backup"),
    (re.compile(rf"\b{_BACKUP}\s+data\s*links?\b|\bdata\s*links?\s+{_BACKUP}\b"), "HA2-backup"),
    (re.compile(r"\bcontrol\s*links?\b|\bctrl\s*links?\b"), "HA1"),
    (re.compile(r"\bdata\s*links?\b"), "HA2"),
    (re.compile(r"\bpacket[\s\-]*forwarding\s*links?\b|\bpkt[\s\-]*fwd\s*links?\b"), "HA3"),
]

_INTERFACE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:mgt|mgmt|management)\s*(?:port|interface|int|if)?s?\b"), "MGT"),
    (re.compile(r"\bhsci\b|\bhigh[\s\-]speed\s+chassis\s+interconnect\b"), "HSCI"),
    (re.compile(r"\baux[\s\-]?[12]?\b"), "AUX"),
]

_PROTOCOLS = ("TCP", "UDP", "ICMP", "SSH", "IP", "IPv4", "IPv6", "ARP")
_PROTOCOL_RE = re.compile(r"\b(tcp|udp|icmp|ssh|ipv4|ipv6|ip|arp)\b", re.IGNORECASE)

# A platform as documents and people write it: PA-3260, PA-220R, pa 5450,
# PA-3200 Series, "PA-800 and PA-3200 Series" (the Series binds to every member).
HARDWARE_LINE = "PA"  # the line whose models come in families (PA-3260 of the PA-3200 Series)
# A hardware model (PA-3260, PA-220R, "pa 5450") or a VM-Series model (VM-300): the line,
# its digits, a letter suffix, and "Series" when the name is a family's.
# A name right after an "@" is a device's host name in a CLI prompt ("admin@PA-3250#
# commit"): the example's, not a platform the sentence holds for.
_MODEL_RE = re.compile(
    r"(?<!@)\b(?:(?P<line>pa)[\s\-]?(?P<digits>\d{2,4})(?P<suffix>[a-z]{0,2})"
    # A VM-Series model has three or four digits and no letters: "vm 16gb" is a size.
    r"|(?P<vline>vm)[\s\-]?(?P<vdigits>\d{3,4})(?P<vsuffix>))\b(?P<series>\s+series)?",
    re.IGNORECASE,
)


def _model_parts(m: re.Match[str]) -> tuple[str, str, str]:
    """(line, digits, suffix) of a model name matched by _MODEL_RE, upper-cased."""
    if m.group("line"):
        return m.group("line").upper(), m.group("digits"), m.group("suffix").upper()
    return m.group("vline").upper(), m.group("vdigits"), ""


def normalise(text: str) -> str:
    """Lower-case, unify dashes and quotes, collapse whitespace."""
    text = text.replace("\u2014", " - ").replace("\u2013", "-").replace("\u2019", "'")
    text = text.replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def find_links(text: str) -> list[tuple[int, str]]:
    """Every HA link mentioned in `text`, as (position, canonical name), in order."""
    low = normalise(text)
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, template in _LINK_PATTERNS:
        for m in pattern.finditer(low):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            names = template.format(*m.groups()).split()
            taken.append((m.start(), m.end()))
            for name in names:
                found.append((m.start(), m.end(), name))
    found.sort()
    return [(start, name) for start, _, name in found]


def links_in(text: str) -> list[str]:
    """Distinct links mentioned in `text`, in order of first mention."""
    seen: list[str] = []
    for _, name in find_links(text):
        if name not in seen:
            seen.append(name)
    return seen


def interfaces_in(text: str) -> list[str]:
    low = normalise(text)
    return [name for pattern, name in _INTERFACE_PATTERNS if pattern.search(low)]


def without_models(text: str) -> str:
    """`text` with its model and family names blanked: their digits are no value it states."""
    return _MODEL_RE.sub(" ", text)


def only_names(text: str) -> bool:
    """Whether a text names platforms, HA links or interfaces and nothing else
    ("pa-220?", "ha1-a and ha1-b"): a chat question's part that asks nothing of its own."""
    low = normalise(text)
    rest = _MODEL_RE.sub(" ", low)
    for pattern, _ in (*_LINK_PATTERNS, *_INTERFACE_PATTERNS):
        rest = pattern.sub(" ", rest)
    if rest == low:
        return False
    return not re.search(r"[a-z0-9]{3,}", re.sub(r"\b(?:the|and|series)\b", " ", rest))


def protocols_in(text: str) -> list[str]:
    canon = {p.lower(): p for p in _PROTOCOLS}
    seen: list[str] = []
    for m in _PROTOCOL_RE.finditer(text):
        name = canon[m.group(1).lower()]
        if name not in seen:
            seen.append(name)
    return seen


@dataclass(frozen=True)
class PlatformMention:
    name: str  # "PA-3200 Series" or "PA-220R"
    is_family: bool
    start: int


def platforms_in(text: str) -> list[PlatformMention]:
    """Platform models and families named in `text`.

    In "PA-800 Series, PA-3200 Series and PA-5400 Series firewalls" each is a
    family; in "the PA-200 and PA-400 Series" the trailing "Series" makes PA-400 a
    family and leaves PA-200 a model, as written.
    """
    out: list[PlatformMention] = []
    for m in _MODEL_RE.finditer(text):
        series = m.group("series")
        line, digits, suffix = _model_parts(m)
        name = f"{line}-{digits}{suffix}"
        if series:
            out.append(PlatformMention(f"{name} Series", True, m.start()))
        else:
            out.append(PlatformMention(name, False, m.start()))
    return out


def family_candidates(model: str) -> list[str]:
    """Names a model may be documented under, most specific first.

    PA-3260 -> PA-3260, PA-3260 Series, PA-3200 Series; PA-220R -> PA-220R, PA-220;
    PA-440 -> PA-440, PA-400 Series. Which of these exist is decided by the build.
    """
    m = _MODEL_RE.fullmatch(model.strip())
    if not m:
        return []
    line, digits, suffix = _model_parts(m)
    names = [f"{line}-{digits}{suffix}"]
    if suffix:
        names.append(f"{line}-{digits}")
    if line != HARDWARE_LINE:
        return names  # a VM-Series model has no hardware family (VM-300 is no "VM-000 Series")
    names.append(f"PA-{digits} Series")
    # The family is the model with its trailing digits zeroed: 3260 -> 3200 and
    # 7050 -> 7000 (four digits keep two), 440 -> 400 (three digits keep one).
    keep = 2 if len(digits) == 4 else 1
    number = f"PA-{digits[:keep]}{'0' * (len(digits) - keep)}"
    family = f"{number} Series"
    if family not in names:
        names.append(family)
    if len(digits) == 4 and number != f"PA-{digits}":
        # "PA-7000, PA-5400, PA-5200, PA-3200 Series, and CN-Series firewalls": in a list the
        # last "Series" is every item's, so a four-digit family number is the family's name
        # too (no model is numbered PA-5400; a PA-200 was a model, so three digits are not).
        names.append(number)
    return names


def shown_names(names: list[str], model: str | None = None) -> list[str]:
    """Names as a reader is told them: a family's bare number ("PA-3200") beside its
    "Series" name says it twice. The model asked is always told (the PA-7500 is a model of
    the PA-7500 Series)."""
    return [n for n in names if n == model or f"{n} Series" not in names]


def canonical_model(text: str) -> str | None:
    """'pa3260', 'PA 3260', 'pa-3260s' -> 'PA-3260'; None when not a model name."""
    m = _MODEL_RE.search(text)
    if not m:
        return None
    line, digits, suffix = _model_parts(m)
    if suffix == "S" and not m.group("series"):  # plural: "PA-440s"
        suffix = ""
    return f"{line}-{digits}{suffix}" + (" Series" if m.group("series") else "")


def resolve_platform(model: str, known: Iterable[str]) -> list[str]:
    """The documented platform names that speak for `model`: itself and its family.

    Only names that the documents use are returned; an unknown model resolves to
    nothing, so no neighbour's facts are ever borrowed.
    """
    known_set = set(known)
    canon = canonical_model(model)
    if canon is None:
        return []
    if canon.endswith(" Series"):
        # "PA-7000B Series" is what the documents call "PA-7000b" ("... on PA-7000, PA-7000b,
        # PA-5400 ..."): a series asked speaks for the names of its bare number too.
        names = [canon, *family_candidates(canon.removesuffix(" Series"))]
        return [name for name in dict.fromkeys(names) if name in known_set]
    return [name for name in family_candidates(canon) if name in known_set]
