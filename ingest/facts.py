"""Sections -> facts: readable relation rules over sentences.

Each rule looks for one kind of statement (a port, an ether type, a layer, a
purpose, a constraint, ...) in any sentence, whichever page it comes from. The
subject of a statement is the HA link named nearest before it in the sentence,
or, when the sentence names none ("ICMP is used to exchange heartbeats"), the
link its table row or heading is about. Every fact keeps the sentence it came
from, and a fact whose value is not in that sentence is dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from hakb.ingest import lexicon
from hakb.ingest.models import DocumentMeta, Fact, Section
from hakb.text import split_sentences  # moved to hakb.text; re-exported for old imports

# Attributes where two documents giving two values is a disagreement, not a list.
SINGLE_VALUED = frozenset({"ethertype", "layer", "encapsulation", "range", "default"})

_NUM = r"\d{2,5}(?:\s*[-\u2013]\s*\d{2,5})?"
_PORT_RE = re.compile(
    rf"\b(?:(tcp|udp)\s*\(?\s*)?ports?\s+(?:numbers?\s+)?({_NUM}(?:\s*(?:,|and|or|&)\s*{_NUM})*)",
    re.IGNORECASE,
)
# "28769/tcp", "TCP/28769": the port/protocol shorthand of firewall rules.
_PORT_SLASH_RE = re.compile(r"\b(\d{2,5})\s*/\s*(tcp|udp)\b|\b(tcp|udp)\s*/\s*(\d{2,5})\b", re.IGNORECASE)
_IP_PROTO_RE = re.compile(
    r"\bIP\s*\(\s*protocol\s+(?:number\s+)?(\d{1,3})\s*\)|\bIP\s+protocol\s+(?:number\s+)?(\d{1,3})\b", re.IGNORECASE
)
_TRANSPORT_RE = re.compile(
    r"\b((?:IP\s*\(\s*protocol\s+(?:number\s+)?\d{1,3}\s*\))|(?:UDP|TCP)\s*\(\s*port\s+\d{2,5}\s*\))",
    re.IGNORECASE,
)
_NUMBER_WORD = r"(?:\d[\d,.]*|zero|one|two|three|four|five|six|seven|eight|nine|ten|sixteen)"
_RANGE_RE = re.compile(
    rf"\brange\s+(?:is\s+)?(?:from\s+)?({_NUMBER_WORD}\s*(?:to|-|\u2013)\s*{_NUMBER_WORD}(?:\s*(?:ms|milliseconds|seconds|minutes|min|s))?)",
    re.IGNORECASE,
)
_DEFAULT_RE = re.compile(
    rf"\bdefault\s+(?:value\s+)?(?:is|of)\s+({_NUMBER_WORD}(?:\s*(?:ms|milliseconds|seconds|minutes|min|s)\b)?|disabled|enabled|none)",
    re.IGNORECASE,
)
_SETTING_NAME_RE = re.compile(
    r"\b(?:[Ee]nter|[Ss]et|[Cc]hange|[Cc]onfigure|[Ff]or)\s+(?:the\s+|a\s+|an\s+)?"
    r"([A-Z0-9][\w\-/]*(?:\s+[A-Z0-9][\w\-/]*){0,6})(?:\s*\(([^)]{1,12})\))?"
)
_PROTOCOL_USED_RE = re.compile(
    r"\b(TCP|UDP|ICMP|SSH|ARP|IPv[46])\s+(?:is|are)\s+used\s+(?:to|for)\s+(.+?)(?:\s+between\b.*)?(?:[.;]|$)"
)
_ETHERTYPE_RE = re.compile(r"\bether\s*-?\s*type\s+(0x[0-9a-f]{2,4})\b(\s+by\s+default)?", re.IGNORECASE)
_LAYER_RE = re.compile(
    r"\b(?:is|are)\s+an?\s+(layer\s*[1-7])\b(?:\s*\(([^)]*)\))?(?:\s+[\w+]+)?\s+(?:link|interface|port)s?\b",
    re.IGNORECASE,
)
# "HSCI interfaces, which function at Layer 2"; "HA1 and HA2 are supported only on layer 2".
_LAYER_AT_RE = re.compile(
    r"\b(?:functions?|operates?|works?|runs?)\s+at\s+(layer\s*[1-7])\b|\bsupported\s+only\s+on\s+(layer\s*[1-7])\b",
    re.IGNORECASE,
)
_ENCAP_RE = re.compile(r"\b([a-z]{2,6}-in-[a-z]{2,6})\b", re.IGNORECASE)
_OVER_RE = re.compile(r"\(([A-Z]{2,5} over [A-Z]{2,5})\)")
_QUALIFIER_RE = re.compile(
    r"\bfor\s+((?:(?!\bfor\b)[\w\-]+\s?){1,6}?)\s*(?:communication|traffic)\b", re.IGNORECASE
)
_ON_IFACE_RE = re.compile(r"\bon\s+the\s+([\w\-]+\s+(?:interface|port))\b", re.IGNORECASE)
_DIRECTION_RE = re.compile(r"\b(unidirectional|bidirectional)\b(?:\s*\(([^)]*)\))?", re.IGNORECASE)
_FLOW_RE = re.compile(
    r"\bflows?\s+(from\s+.+?\s+to\s+.+?)(?:[.;]|$)"
    r"|\b(from\s+the\s+[\w/\- ]{2,50}?\s+(?:peer|firewall|device|member)s?\s+to\s+the\s+[\w/\- ]{2,50}?\s+(?:peer|firewall|device|member)s?)\b",
    re.IGNORECASE,
)
_KEEPALIVE_RE = re.compile(r"\b(layer\s*\d\s+keep-?alive(?:\s+messages)?)\b", re.IGNORECASE)
_PURPOSE_RES = [
    re.compile(r"\b(?:is|are)\s+used\s+(?:to|for)\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\buse\s+(?:this|these|the|that)\s+links?\s+(?:to|for)\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\blinks?\s+(?:also\s+)?performs?\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\bto\s+perform\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    # "HA3 forwards packets to the peer during session setup; ..."
    re.compile(r"\b(?:links?|ha\d)\s+(?:also\s+)?(forwards\s+.+?)(?:;|,\s+it\b|\.(?:\s|$)|$)", re.IGNORECASE),
    # "The HA1 link carries hellos, heartbeats and state between the peers."
    re.compile(
        r"\blinks?\s+(?:also\s+)?(?:carries|carry|copies|copy|exchanges|exchange|synchroni[sz]es|syncs)\s+(.+?)(?:\s+(?:from|between|to)\s+the\b|;|\.(?:\s|$)|$)",
        re.IGNORECASE,
    ),
    re.compile(r"\b(detects?\s+.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
]
_SYNC_VERB = re.compile(r"^(synchroni[sz]e|sync|exchange|forward|perform)\s+", re.IGNORECASE)
_NOT_SUPPORTED_RES = [
    re.compile(r"\b(?:does|do|did)\s*(?:not|n't|n\u2019t)\s+support\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\b(?:cannot|can't|can\s+not)\s+(?:configure|use|support)\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\b(?:cannot|can't|can\s+not)\s+be\s+(?:configured|used)\s+as\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\b(?:is|are)\s*(?:not|n't)\s+supported\s+((?:between|on|for|with|in)\s+.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
]
_CAN_USE_RES = [
    re.compile(r"\byou\s+can\s+(?:also\s+)?(?:configure|use)\s+(.+?)\s+(?:as|for)\s+(?:an?\s+|the\s+)?(?:ha\d|backup|dedicated)", re.IGNORECASE),
    re.compile(r"\b(?:the\s+)?((?:dedicated\s+)?[\w\-]+\s+ports?)\s+supports?\s+(?:the\s+)?ha\d", re.IGNORECASE),
    re.compile(r"\b(?:the\s+)?([\w\-]+\s+ports?)\s+can\s+be\s+used\s+for\s+(?:ha\d|backup\s+links)", re.IGNORECASE),
    re.compile(r"\buse\s+(?:this|the)\s+([\w\-]*\s*port)\s+for\s+(?:an?\s+)?ha\d", re.IGNORECASE),
]
_REQUIRES_RES = [
    re.compile(r"\b(?:requires?|needs?)\s+(an?\s+.+?)(?:[;,]|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\bit\s+is\s+required\s+to\s+(.+?)(?:[;,]|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\bmust\s+((?:enable|configure|add|use|allow)\s+.+?)(?:\s+as\s+|\s+if\s+|;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\b((?:the\s+)?[\w\s]{0,40}?\bmust\s+(?:not\s+)?(?:be|overlap|sit|stay|reside|run)\b.*?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
]
_NOT_REQUIRED_RE = re.compile(
    r"^\(?\s*(if\s+[^,]+),\s*[^.;]*?\b(?:don't|do not|don\u2019t|doesn't|does not)\s+need\s+to\s+(.+?)(?:[;)]|\.(?:\s|$)|$)",
    re.IGNORECASE,
)
_RECOMMEND_RES = [
    re.compile(r"\brecommends?\s+(?:that\s+you\s+)?(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\bas\s+a\s+best\s+practice,?\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE),
]
_USE_IFACE_RE = re.compile(
    r"\buse\s+the\s+([\w\-]+\s+(?:port|interface))\s+for\s+the\s+(ha\d(?:[\s\-]backup)?)", re.IGNORECASE
)
_WITHOUT_DEDICATED_RE = re.compile(r"\bwithout\s+dedicated\s+HA\s+(?:ports|interfaces)\b", re.IGNORECASE)
_PORT_NAMES = r"(?:HA\d(?:-[AB])?|HSCI|AUX-?\d|MGT)"
_DEDICATED_ROW_RE = re.compile(rf"^({_PORT_NAMES}(?:\s*(?:,|and|&)\s*{_PORT_NAMES})*)\s*[\u2014\u2013]")
_SIZE_RE = re.compile(r"\bexceeds?\s+([\d,.]+\s+bytes)\b", re.IGNORECASE)
_PORTISH_LABEL = re.compile(rf"^\s*{_NUM}(?:\s*(?:,|and|&|/)?\s*{_NUM})*\s*$")


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def _clean_value(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" ,;:.\u2014-")
    return value


def _split_list(phrase: str) -> list[str]:
    """'a, b, and c' -> [a, b, c]; a phrase with no comma stays whole."""
    if "," not in phrase:
        return [_clean_value(phrase)]
    parts = re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+(?=[\w\-]+(?:\s+[\w\-]+){0,3}\s*$)", phrase)
    items = [_clean_value(p) for p in parts]
    return [re.sub(r"^(?:and|or)\s+", "", i) for i in items if i]


@dataclass
class _Scope:
    """What a sentence is about when it does not say: its row label or heading."""

    links: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)


def _section_scope(section: Section) -> _Scope:
    label = section.label or (section.path[-1] if len(section.path) > 1 else "")
    scope = _Scope()
    if label and not _PORTISH_LABEL.match(label):
        scope.links = lexicon.links_in(label) or lexicon.interfaces_in(label)[:1]
        scope.platforms = _platform_names(label)
    return scope


def _platform_names(text: str) -> list[str]:
    return list(dict.fromkeys(p.name for p in lexicon.platforms_in(text)))


class FactExtractor:
    """Applies the relation rules to every sentence of a document's sections."""

    def __init__(self, meta: DocumentMeta) -> None:
        self.meta = meta

    def extract(self, sections: Iterable[Section]) -> list[Fact]:
        facts: list[Fact] = []
        for section in sections:
            facts.extend(self._section_facts(section))
        return _dedupe(f for f in facts if _quoted(f))

    # -- per section -------------------------------------------------------

    def _section_facts(self, section: Section) -> Iterator[Fact]:
        scope = _section_scope(section)
        if section.kind == "table_row" and section.label and _PORTISH_LABEL.match(section.label):
            yield from self._port_row(section)
            # The description cell is prose too (ether type, direction, ...): read on.
        if section.kind == "table_row" and section.label and not scope.links and not scope.platforms:
            yield from self._setting_row(section)
        elif _RANGE_RE.search(section.text) or _DEFAULT_RE.search(section.text):
            yield from self._setting_prose(section)
        carried: list[str] = []
        previous = ""
        for sentence in split_sentences(section.text):
            platforms = _platform_names(sentence)
            quote_prefix = ""
            # "(If you use the management port ...)" continues the previous
            # sentence's platform scope; the quote then holds both sentences, so
            # the platform it is about is in the citation.
            if not platforms and carried and re.match(r"^\(?\s*(?:if|this|these|they|then)\b", sentence, re.I):
                platforms = carried
                quote_prefix = previous
            carried = platforms
            previous = sentence
            yield from self._sentence_facts(section, sentence, scope, platforms or scope.platforms, quote_prefix)

    def _port_row(self, section: Section) -> Iterator[Fact]:
        """A 'Destination Port | Protocol | Description' row: ports in the label.

        The protocol cells come before the description ("28769, 28260 TCP, TCP: Used
        for ..."); the link is the first one the description's first sentence names.
        """
        assert section.label is not None
        ports = _expand_ports(section.label)
        quote = section.text if all(p.split("-")[0] in section.text for p in ports) else f"{section.label} {section.text}"
        head, _, description = section.text.partition(":")
        if len(head) > 60 or not description:
            head, description = section.text[:40], section.text
        protocols = [p for p in lexicon.protocols_in(head) if p in ("TCP", "UDP", "IP")]
        first = split_sentences(description)[:1]
        links = lexicon.links_in(first[0])[:1] if first else []
        links = links or lexicon.interfaces_in(description)[:1] or self._topic()
        qualifier = _qualifier(first[0]) if first else None
        for i, port in enumerate(ports):
            proto = protocols[i] if i < len(protocols) else (protocols[-1] if protocols else None)
            attribute = "ip-protocol" if proto == "IP" else "port"
            for subject in links:
                yield self._fact(section, subject, attribute, port, quote, qualifier=qualifier, protocol=proto)

    def _setting_row(self, section: Section) -> Iterator[Fact]:
        """A row of a settings table ("Hello Interval (ms) | ... (range is 8,000 to
        60,000; default is 8,000)"): the setting's range and default, with its unit."""
        assert section.label is not None
        m = re.match(r"^(.*?)\s*(?:\(([^)]{1,12})\))?\s*$", section.label)
        name = (m.group(1) if m else section.label).strip()
        unit = m.group(2) if m else None
        name = re.sub(r"\s*\(.*$", "", name).strip()  # "Device Priority (required, if ...)"
        if not name or len(name) > 60 or _PORTISH_LABEL.match(name):
            return
        for sentence in split_sentences(section.text):
            for rm in _RANGE_RE.finditer(sentence):
                yield self._fact(section, name, "range", _clean_value(rm.group(1)), sentence, qualifier=unit)
            for dm in _DEFAULT_RE.finditer(sentence):
                yield self._fact(section, name, "default", _clean_value(dm.group(1)), sentence, qualifier=unit)

    def _setting_prose(self, section: Section) -> Iterator[Fact]:
        """A step that names a setting and gives its range or default: "(Optional) Set
        the Monitor Fail Hold Down Time (min) ...; range is 1 to 60; default is 1." The
        setting is the Title Case name after enter/set/change/configure/for, in this
        sentence or the one before it."""
        name: str | None = None
        unit: str | None = None
        for sentence in split_sentences(section.text):
            found = _SETTING_NAME_RE.search(sentence)
            if found:
                name, unit = found.group(1).strip(), found.group(2)
            if not name:
                continue
            quote = sentence
            for rm in _RANGE_RE.finditer(sentence):
                if re.search(r"\d+\.\d+\.\d+", rm.group(1)):
                    continue  # an address range, not a setting's
                yield self._fact(section, name, "range", _clean_value(rm.group(1)), quote, qualifier=unit)
            for dm in _DEFAULT_RE.finditer(sentence):
                yield self._fact(section, name, "default", _clean_value(dm.group(1)), quote, qualifier=unit)

    def _topic(self) -> list[str]:
        """Subject of a row that names no link: the page's own topic, if a known one."""
        if re.search(r"cluster", self.meta.title, re.I):
            return [lexicon.CLUSTER]
        return lexicon.links_in(self.meta.title)[:1]

    def _sentence_facts(
        self, section: Section, sentence: str, scope: _Scope, platforms: list[str], quote_prefix: str = ""
    ) -> Iterator[Fact]:
        mentions = lexicon.find_links(sentence)
        links = list(dict.fromkeys(name for _, name in mentions))
        if not links or re.search(r"\bthis\s+link\b", sentence, re.I) and scope.links:
            links = links or scope.links
        subjects = links or scope.links
        platform_scope = [p for p in platforms]

        quote = f"{quote_prefix} {sentence}".strip()

        def fact(subject: str, attribute: str, value: str, **kw: object) -> Fact:
            return self._fact(section, subject, attribute, value, quote, platforms=platform_scope, **kw)

        def nearest(pos: int) -> list[str]:
            """The link named last before `pos`, else the sentence's/scope's subjects."""
            before = [name for start, name in mentions if start <= pos]
            if before:
                return [before[-1]]
            ifaces = lexicon.interfaces_in(sentence[:pos]) if not subjects else []
            return subjects or ifaces[:1]

        low = lexicon.normalise(sentence)
        # Ports ("TCP port 28769 and 28260 for clear text"), each with its clause.
        for clause_start, clause in _clauses(sentence):
            matches = list(_PORT_RE.finditer(clause))
            for i, m in enumerate(matches):
                proto = m.group(1).upper() if m.group(1) else _clause_protocol(clause, sentence)
                owners = nearest(_low_pos(sentence, clause_start + m.start()))
                # "TCP ports 28901 and 28902 in clear text, and TCP port 28922 when
                # encrypted": each port's qualifier is in the words that follow it.
                window = clause[m.start() : matches[i + 1].start() if i + 1 < len(matches) else len(clause)]
                qualifier = _qualifier(window) or _mode(window) or _qualifier(clause) or _on_iface(clause)
                for port in _expand_ports(m.group(2)):
                    for subject in owners:
                        yield fact(subject, "port", port, qualifier=qualifier, protocol=proto)
            for m in _PORT_SLASH_RE.finditer(clause):
                port, proto = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                window = clause[m.start() : m.start() + 60]
                for subject in nearest(_low_pos(sentence, clause_start + m.start())):
                    yield fact(subject, "port", port, qualifier=_mode(window) or _qualifier(window), protocol=proto.upper())
            for m in _OVER_RE.finditer(clause):
                for subject in nearest(_low_pos(sentence, clause_start + m.start())):
                    yield fact(subject, "protocol", m.group(1), qualifier=_qualifier(clause))
        for m in _IP_PROTO_RE.finditer(sentence):
            for subject in nearest(_low_pos(sentence, m.start())):
                yield fact(subject, "ip-protocol", m.group(1) or m.group(2), protocol="IP")
        for m in _TRANSPORT_RE.finditer(sentence):
            if re.search(r"\btransport\b|span", sentence, re.I):
                for subject in nearest(_low_pos(sentence, m.start())):
                    yield fact(subject, "transport", m.group(1))
        if re.search(r"\bspan\s+subnets\b", sentence, re.I):
            for subject in subjects:
                yield fact(subject, "spans-subnets", "span subnets")
        # "ICMP is used to exchange heartbeats": a protocol and what it carries.
        for m in _PROTOCOL_USED_RE.finditer(sentence):
            for subject in subjects:
                yield fact(subject, "protocol", m.group(1), qualifier=_clean_value(m.group(2)))
        for m in _ETHERTYPE_RE.finditer(sentence):
            for subject in nearest(_low_pos(sentence, m.start())):
                yield fact(subject, "ethertype", m.group(1), qualifier="default" if m.group(2) else None)
        for m in _LAYER_RE.finditer(sentence):
            value = re.sub(r"(?i)layer\s*", "Layer ", m.group(1))
            owners = nearest(_low_pos(sentence, m.start())) or lexicon.interfaces_in(sentence[: m.start()])[:1]
            for subject in owners:
                yield fact(subject, "layer", value)
        for m in _LAYER_AT_RE.finditer(sentence):
            value = re.sub(r"(?i)layer\s*", "Layer ", m.group(1) or m.group(2))
            before = sentence[: m.start()]
            owners = lexicon.links_in(before) or lexicon.interfaces_in(before)[:1]
            for subject in owners:
                yield fact(subject, "layer", value, qualifier="only" if m.group(2) else None)
        for m in _ENCAP_RE.finditer(sentence):
            for subject in subjects:
                yield fact(subject, "encapsulation", m.group(1))
        for m in _DIRECTION_RE.finditer(sentence):
            for subject in subjects[:1]:
                yield fact(subject, "direction", m.group(1), qualifier=m.group(2))
        for m in _FLOW_RE.finditer(sentence):
            for subject in subjects[:1]:
                yield fact(subject, "direction", _clean_value(m.group(1) or m.group(2)))
        for m in _KEEPALIVE_RE.finditer(sentence):
            for subject in subjects:
                yield fact(subject, "keepalive", _clean_value(m.group(1)))
        for m in _SIZE_RE.finditer(sentence):
            for subject in subjects:
                yield fact(subject, "message-size", "exceed " + m.group(1))
        yield from self._purposes(sentence, subjects, fact)
        for rx in _NOT_SUPPORTED_RES:
            for m in rx.finditer(sentence):
                on = re.match(r"(.+?)\s+(?:on|for)\s+(.+)$", m.group(1))
                if on and lexicon.links_in(on.group(2)) and not lexicon.links_in(on.group(1)):
                    # "does not support encryption on HA1, HA2, or HA1/HA2 backup links":
                    # one feature, several links.
                    for subject in lexicon.links_in(on.group(2)):
                        yield fact(subject, "not-supported", _clean_value(on.group(1)))
                    continue
                owners = (
                    lexicon.links_in(sentence[: m.start()])
                    or subjects
                    or lexicon.interfaces_in(sentence[: m.start()])[:1]
                    or platform_scope
                )
                for value in _split_list(m.group(1).replace(" or ", ", ")):
                    for subject in owners:
                        yield fact(subject, "not-supported", value)
        for rx in _CAN_USE_RES:
            for m in rx.finditer(sentence):
                value = _clean_value(m.group(1))
                tail = lexicon.links_in(sentence[m.start():]) or subjects
                if re.search(r"\bfor\s+backup\s+links\b", m.group(0), re.I):
                    # "ports can be used for backup links for both HA1 and HA2"
                    tail = [t if t.endswith("-backup") else f"{t}-backup" for t in tail if t in ("HA1", "HA2", "HA4")] or tail
                for subject in tail:
                    yield fact(subject, "can-use", value)
        for rx in _REQUIRES_RES:
            for m in rx.finditer(sentence):
                value = re.sub(r"^(?:so|and|then)\s+", "", _clean_value(m.group(1)), flags=re.I)
                if len(value) < 4:
                    continue
                before = re.split(r"[,;]", sentence[: m.start()])[-1]
                named = lexicon.links_in(value)
                if named and re.search(r"\blinks?$", value) and not lexicon.links_in(before) and before.strip():
                    # "an active/active deployment also requires a dedicated HA3 link"
                    for subject in named:
                        yield fact(subject, "required-in", _clean_value(re.sub(r"\balso\b", "", before)))
                    continue
                for subject in subjects or platform_scope:
                    yield fact(subject, "requires", value)
        m = _NOT_REQUIRED_RE.search(sentence)
        if m:
            # "(If you didn't configure a Permitted IP list, you don't need to add the
            # peer HA1 IP address.)": the condition under which a step is not needed.
            for subject in subjects or platform_scope:
                yield fact(subject, "not-required", _clean_value(m.group(2)), qualifier=_clean_value(m.group(1)))
        for rx in _RECOMMEND_RES:
            for m in rx.finditer(sentence):
                value = _clean_value(m.group(1))
                owners = lexicon.links_in(value)[:1] or subjects or platform_scope
                for subject in owners:
                    yield fact(subject, "recommended", value)
        for m in _USE_IFACE_RE.finditer(sentence):
            for subject in lexicon.links_in(m.group(2)):
                yield fact(subject, "interface", m.group(1))
        for m in _ON_IFACE_RE.finditer(sentence):
            for subject in nearest(_low_pos(sentence, m.start())):
                if subject in lexicon.LINKS:
                    yield fact(subject, "interface", m.group(1))
        # Platform statements: what a model family has or lacks.
        if _WITHOUT_DEDICATED_RE.search(sentence):
            value = _WITHOUT_DEDICATED_RE.search(sentence).group(0)  # type: ignore[union-attr]
            for platform in _platform_names(sentence):
                yield self._fact(section, platform, "dedicated-ha-ports", value, sentence)
        row_platforms = scope.platforms if section.kind in ("table_row", "list_item") else []
        m = _DEDICATED_ROW_RE.match(sentence)
        if m and row_platforms:
            for platform in row_platforms:
                yield self._fact(section, platform, "dedicated-ha-ports", m.group(1), sentence)
        for platform in platform_scope or row_platforms:
            yield self._fact(section, platform, "constraint", sentence, quote, platforms=[platform])
        del low

    def _purposes(self, sentence: str, subjects: list[str], fact) -> Iterator[Fact]:  # type: ignore[no-untyped-def]
        if lexicon.protocols_in(sentence.split(" ", 1)[0]):
            return  # "ICMP is used to ..." is the protocol's purpose, kept as a protocol fact
        for rx in _PURPOSE_RES:
            for m in rx.finditer(sentence):
                phrase = m.group(1)
                verb = _SYNC_VERB.match(phrase)
                attribute = "synchronizes" if verb and verb.group(1).lower().startswith("sync") else "purpose"
                body = phrase[verb.end():] if verb and verb.group(1).lower().startswith(("sync", "exchange")) else phrase
                if body.count(",") >= 2:  # a list: its trailing "between X" is not an item
                    body = re.split(r"\s+(?:between|with)\s+", body)[0]
                items = _split_list(body)
                owners = lexicon.links_in(sentence[: m.start()]) or subjects
                if not owners:
                    continue
                for item in items:
                    if len(item) < 3:
                        continue
                    for subject in owners:
                        yield fact(subject, attribute, item)

    def _fact(self, section: Section, subject: str, attribute: str, value: str, quote: str, **kw: object) -> Fact:
        return Fact(
            subject=subject,
            attribute=attribute,
            value=value,
            doc_id=self.meta.doc_id,
            title=self.meta.title,
            url=self.meta.url,
            section=section.heading,
            quote=re.sub(r"\s+", " ", quote).strip(),
            version=self.meta.version,
            **kw,  # type: ignore[arg-type]
        )


def _clauses(sentence: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for part in sentence.split(";"):
        out.append((start, part))
        start += len(part) + 1
    return out


def _low_pos(sentence: str, pos: int) -> int:
    # find_links works on normalised text; positions shift only where dashes
    # were widened, which happens before any port number in practice. Map by
    # normalising the prefix.
    return len(lexicon.normalise(sentence[:pos]))


def _clause_protocol(clause: str, sentence: str) -> str | None:
    for text in (clause,):
        protos = [p for p in lexicon.protocols_in(text) if p in ("TCP", "UDP")]
        if protos:
            return protos[-1]
    return None


def _qualifier(text: str) -> str | None:
    m = _QUALIFIER_RE.search(text)
    return _clean_value(m.group(1)) if m else None


_MODE_RE = re.compile(r"\b(clear[\s-]?text|plain[\s-]?text|encrypted|unencrypted)\b", re.IGNORECASE)


def _mode(text: str) -> str | None:
    """"in clear text", "when encrypted": how a port's traffic travels."""
    m = _MODE_RE.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    return "clear text" if word.startswith(("clear", "plain", "unenc")) else "encrypted"


def _on_iface(text: str) -> str | None:
    m = _ON_IFACE_RE.search(text)
    return f"on the {m.group(1)}" if m else None


def _expand_ports(text: str) -> list[str]:
    """'28769 and 28260' -> both; a range '5404-5406' stays one value as written."""
    return [re.sub(r"\s+", "", p) for p in re.findall(_NUM, text)]


def _quoted(fact: Fact) -> bool:
    value = _norm(fact.value).replace("\u2013", "-")
    quote = _norm(fact.quote).replace("\u2013", "-")
    return value in quote or value.replace(" ", "") in quote.replace(" ", "")


def _dedupe(facts: Iterable[Fact]) -> list[Fact]:
    seen: set[tuple[object, ...]] = set()
    out: list[Fact] = []
    for f in facts:
        key = (f.subject, f.attribute, _norm(f.value), f.qualifier, tuple(f.platforms), f.doc_id)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def mark_conflicts(facts: list[Fact]) -> int:
    """Flag single-valued facts on which documents disagree; returns how many keys."""
    # Platform-scoped values count too: "HA1 is Layer 3" on one page and "Layer 2 on
    # PA-7500" on another is a difference a reader must see (the answer names the scope).
    groups: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f.attribute in SINGLE_VALUED:
            groups[(f.subject, f.attribute)].append(f)
    conflicts = 0
    for group in groups.values():
        # "1-63" and "1 to 63" say the same; "0 to 63" does not.
        values = {re.sub(r"\s*(?:-|\u2013|\bto\b)\s*", " to ", _norm(f.value)) for f in group}
        docs = {f.doc_id for f in group}
        if len(values) > 1 and len(docs) > 1:
            conflicts += 1
            ids = {id(f) for f in group}
            for i, f in enumerate(facts):
                if id(f) in ids:
                    facts[i] = f.model_copy(update={"conflict": True})
    return conflicts
