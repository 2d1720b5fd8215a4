"""Sections -> facts: readable relation rules over sentences.

Each rule looks for one kind of statement (a port, an ether type, a layer, a
purpose, a constraint, ...) in any sentence, whichever page it comes from. The
subject of a statement is the HA link named nearest before it in the sentence,
or, when the sentence names none ("ICMP is used to exchange heartbeats"), the
link its table row, inline label ("Data Link (HA2)") or heading is about. Every
fact keeps the sentence it came from, and a fact whose value is not in that
sentence is dropped.

Every fact says where its subject came from (`subject_from`: the quote, a row
label, a heading or an inline label). One that inherited its subject while the
label nearest before its sentence names another link is dropped: a page that
leaves "Data Link (HA2)" glued to the text of the control link's section must not
make HA1 facts of HA2's transports. Settings get their range and default under
the name of what they set ("the Threshold you set" of HA2 Keep-alive is the
"HA2 Keep-alive Threshold"); numeric cells of tables by platform model become
facts scoped to that model; and the same value in other words or units ("60",
"60 seconds") is no disagreement between documents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from hakb import attributes
from hakb.ingest import lexicon
from hakb.ingest.models import Citation, DocumentMeta, Fact, Section, SubjectFrom
from hakb.ingest.scope import sentence_scope
from hakb.ingest.tables import read_row, scope_label
from hakb.text import split_sentences  # moved to hakb.text; re-exported for old imports

# Attributes where two documents giving two values is a disagreement, not a list.
SINGLE_VALUED = attributes.SINGLE_VALUED

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
# "range is 1 to 63", "(range 1-63)", "a range of 1 to 63", "ranging from 0 to 63".
_RANGE_RE = re.compile(
    rf"\b(?:range\s+(?:is\s+|of\s+)?|rang(?:es|ing)\s+)(?:from\s+)?({_NUMBER_WORD}\s*(?:to|-|\u2013)\s*{_NUMBER_WORD}(?:\s*(?:ms|milliseconds|seconds|minutes|min|s))?)",
    re.IGNORECASE,
)
_DEFAULT_RE = re.compile(
    rf"\bdefault\s+(?:value\s+)?(?:is|of)\s+({_NUMBER_WORD}(?:\s*(?:ms|milliseconds|seconds|minutes|min|s)\b)?|disabled|enabled|none)",
    re.IGNORECASE,
)
_SETTING_NAME_RE = re.compile(
    r"\b(?:[Ee]nter|[Ss]et|[Cc]hange|[Cc]onfigure|[Ss]elect|[Ff]or)\s+(?:the\s+|a\s+|an\s+)?"
    r"([A-Z0-9][\w\-/]*(?:\s+[A-Z0-9][\w\-/]*){0,6})(?:\s*\(([^)]{1,12})\))?"
)
# "HA4 Keep-alive Threshold (ms) —Length of time ...": a settings list item names its setting first.
_SETTING_LEAD_RE = re.compile(
    r"^(?:\(\s*optional\s*\)\s*)?([A-Z0-9][\w\-/]*(?:\s+[\w\-/]+){0,5}?)\s*(?:\(([^)]{1,12})\))?\s*[\u2014\u2013]\s*",
    re.IGNORECASE,
)
# "(Mandatory) Group ID: A numeric identifier ranging from 0 to 63": a colon ends the lead
# only after two to six Title Case words, the last not a number, the way a field's name is
# written ("Note:" and "Step 3:" are none).
_SETTING_COLON_LEAD_RE = re.compile(
    r"^(?:\(\s*\w+\s*\)\s*)?([A-Z0-9][\w\-/]*(?:\s+[A-Z0-9][\w\-/]*){0,4}\s+[A-Z][\w\-/]*)\s*(?:\(([^)]{1,12})\))?\s*:\s+"
)
_SETTING_RANGE_LEAD_RE = re.compile(
    r"^([A-Z][\w\-/]*(?:\s+[A-Z][\w\-/]*){1,5})\s+(?:range|default)\b\s*(?:\(([^)]{1,12})\))?"
)
# A name that says what kind of value, not which setting: it belongs to the option the text is about.
_GENERIC_SETTING = re.compile(r"(?i)threshold|interval|timer|timeout|hold\s+time|time|value|count|size|limit")
# "the Threshold you set (default is 10,000 ms)", "the threshold that is set (default is 10000 ms)".
_GENERIC_VALUE_RE = re.compile(
    r"\bthe\s+(threshold|interval|timer|timeout|hold\s+time|value|limit)\s+(?:that\s+(?:is|was)\s+|you\s+)"
    r"(?:set|configured?|specif(?:y|ied)|defined?|enter(?:ed)?)\b",
    re.IGNORECASE,
)
_BY_DEFAULT_RE = re.compile(r"\b(?:is|are)\s+(disabled|enabled)\s+by\s+default\b", re.IGNORECASE)
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
_QUALIFIER_RE = re.compile(r"\bfor\s+((?:(?!\bfor\b)[\w\-]+\s?){1,6}?)\s*(?:communication|traffic)\b", re.IGNORECASE)
_ON_IFACE_RE = re.compile(r"\bon\s+the\s+([\w\-]+\s+(?:interface|port))\b", re.IGNORECASE)
_DIRECTION_RE = re.compile(r"\b(unidirectional|bidirectional)\b(?:\s*\(([^)]*)\))?", re.IGNORECASE)
_FLOW_RE = re.compile(
    r"\bflows?\s+(from\s+.+?\s+to\s+.+?)(?:[.;]|$)"
    r"|\b(from\s+the\s+[\w/\- ]{2,50}?\s+(?:peer|firewall|device|member)s?\s+to\s+the\s+[\w/\- ]{2,50}?\s+(?:peer|firewall|device|member)s?)\b",
    re.IGNORECASE,
)
_KEEPALIVE_RE = re.compile(r"\b(layer\s*\d\s+keep-?alive(?:\s+messages)?)\b", re.IGNORECASE)
# What may stand beside a link's name in a phrase that names only links ("the HA1 link").
_JOINERS = frozenset({"the", "a", "link", "links", "and", "or", "both", "its"})

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
    re.compile(
        r"\b(?:cannot|can't|can\s+not)\s+be\s+(?:configured|used)\s+as\s+(.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE
    ),
    re.compile(
        r"\b(?:is|are)\s*(?:not|n't)\s+supported\s+((?:between|on|for|with|in)\s+.+?)(?:;|\.(?:\s|$)|$)", re.IGNORECASE
    ),
]
_CAN_USE_RES = [
    re.compile(
        r"\byou\s+can\s+(?:also\s+)?(?:configure|use)\s+(.+?)\s+(?:as|for)\s+(?:an?\s+|the\s+)?(?:ha\d|backup|dedicated)",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:the\s+)?((?:dedicated\s+)?[\w\-]+\s+ports?)\s+supports?\s+(?:the\s+)?ha\d", re.IGNORECASE),
    re.compile(r"\b(?:the\s+)?([\w\-]+\s+ports?)\s+can\s+be\s+used\s+for\s+(?:ha\d|backup\s+links)", re.IGNORECASE),
    re.compile(r"\buse\s+(?:this|the)\s+([\w\-]*\s*port)\s+for\s+(?:an?\s+)?ha\d", re.IGNORECASE),
]
_REQUIRES_RES = [
    re.compile(r"\b(?:requires?|needs?)\s+(an?\s+.+?)(?:[;,]|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(r"\bit\s+is\s+required\s+to\s+(.+?)(?:[;,]|\.(?:\s|$)|$)", re.IGNORECASE),
    re.compile(
        r"\bmust\s+((?:enable|configure|add|use|allow)\s+.+?)(?:\s+as\s+|\s+if\s+|;|\.(?:\s|$)|$)", re.IGNORECASE
    ),
    re.compile(
        r"\b((?:the\s+)?[\w\s]{0,40}?\bmust\s+(?:not\s+)?(?:be|overlap|sit|stay|reside|run)\b.*?)(?:;|\.(?:\s|$)|$)",
        re.IGNORECASE,
    ),
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
    if not re.search(r",(?!\d{3}(?!\d))", phrase):
        return [_clean_value(phrase)]
    parts = re.split(r",(?!\d{3}(?!\d))\s*(?:and\s+|or\s+)?|\s+and\s+(?=[\w\-]+(?:\s+[\w\-]+){0,3}\s*$)", phrase)
    items = [_clean_value(p) for p in parts]
    return [re.sub(r"^(?:and|or)\s+", "", i) for i in items if i]


@dataclass
class _Scope:
    """What a sentence is about when it does not say: its row label, inline label or heading."""

    links: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    origin: SubjectFrom = "heading"  # where a subject taken from this scope comes from


def _section_scope(section: Section) -> _Scope:
    label = section.label or (section.path[-1] if len(section.path) > 1 else "")
    scope = _Scope(origin=_label_origin(section))
    if label and not _PORTISH_LABEL.match(label):
        scope.links = lexicon.links_in(label) or lexicon.interfaces_in(label)[:1]
        scope.platforms = _platform_names(label)
    return scope


def _label_origin(section: Section) -> SubjectFrom:
    if not section.label:
        return "heading"
    if section.label_from:
        return section.label_from
    return "row_label" if section.kind == "table_row" else "inline_label"


# A label glued to the text it heads, as flattened pages leave it: "Data Link (HA2) When an
# HA2 backup link is configured, ...", "Control Link (HA1)/Control Link (HA1 Backup) The ...".
_LINK_NAME = r"(?:[A-Z][\w-]*\s+){0,3}Links?\s*\(\s*(?:HA\d|HSCI)[^()]{0,30}\)"
_LEAD_LABEL = re.compile(rf"^({_LINK_NAME}(?:\s*/\s*{_LINK_NAME})*)\s*[:\u2014\u2013-]?\s+(?=[A-Z])")


def lead_label(text: str) -> str | None:
    """The inline label a text starts with, or that the whole text is: the nearest label
    of what follows it when a reader left it in the text."""
    m = _LEAD_LABEL.match(text)
    if m:
        return m.group(1)
    return scope_label(text, bold=False) if len(text) <= 90 else None


def _named_in(subject: str, quote: str) -> bool:
    """Does the quote itself name the subject (a link, an interface, a platform, a setting)?"""
    if subject in lexicon.LINKS:
        return subject in lexicon.links_in(quote)
    if subject in lexicon.INTERFACES:
        return subject in lexicon.interfaces_in(quote)
    if subject == lexicon.CLUSTER:
        return "cluster" in quote.lower()
    if subject in _platform_names(quote):
        return True
    said = set(re.findall(r"[\w-]+", _norm(quote)))
    return _norm(subject) in _norm(quote) or all(w in said for w in re.findall(r"[\w-]+", _norm(subject)))


def _platform_names(text: str) -> list[str]:
    return list(dict.fromkeys(p.name for p in lexicon.platforms_in(text)))


class FactExtractor:
    """Applies the relation rules to every sentence of a document's sections."""

    def __init__(self, meta: DocumentMeta) -> None:
        self.meta = meta
        self._origin: SubjectFrom = "heading"
        self._setting_base: tuple[tuple[str, ...], str] | None = None  # (path, last setting named there)
        # One citation per (heading, sentence): every fact of a sentence shares it.
        self._cited: dict[tuple[str, str], Citation] = {}

    def extract(self, sections: Iterable[Section]) -> list[Fact]:
        facts: list[Fact] = []
        path: tuple[str, ...] | None = None
        nearest: list[str] = []  # the links the nearest label before the text names
        for section in sections:
            scope = _section_scope(section)
            if section.path != path:  # a new heading, row or inline label: its own links
                path, nearest = section.path, scope.links
            found = lead_label(section.text) if section.kind != "heading" else None
            if found and lexicon.links_in(found) and section.text.strip() != found:
                nearest = lexicon.links_in(found)
            elif found and section.text.strip() == found and section.kind == "paragraph":
                # A label a reader left as a paragraph of its own: it heads what follows.
                nearest = lexicon.links_in(found)
                continue
            for fact in self._section_facts(section, scope):
                if _off_scope(fact, nearest):
                    continue
                facts.append(fact)
        return _dedupe(f for f in facts if _quoted(f) and not _deictic(f))

    # -- per section -------------------------------------------------------

    def _section_facts(self, section: Section, scope: _Scope | None = None) -> Iterator[Fact]:
        scope = scope or _section_scope(section)
        self._origin = scope.origin
        if section.kind == "table_row" and section.label and _PORTISH_LABEL.match(section.label):
            yield from self._port_row(section)
            # The description cell is prose too (ether type, direction, ...): read on.
        if _RANGE_RE.search(section.text) or _DEFAULT_RE.search(section.text) or _BY_DEFAULT_RE.search(section.text):
            yield from self._settings(section, scope)
        if section.kind == "table_row" and section.label:
            cells = list(self._model_cells(section))
            yield from cells
            if cells and _only_models(section.label):
                return  # "PA-3200 Series: 6" says no more than its cells do
            if read_row(section.text) is not None:
                # A support-table row by columns ("Clientless SSLVPN — Standalone PA-7500
                # Series Firewall: Yes; NGFW Cluster Node: No"): its cells answer by column,
                # and no sentence fact (a PA-7500 "constraint") may be read from its text.
                return
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
        quote = (
            section.text if all(p.split("-")[0] in section.text for p in ports) else f"{section.label} {section.text}"
        )
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

    def _settings(self, section: Section, scope: _Scope) -> Iterator[Fact]:
        """A setting's range and default, with its unit, wherever the text names the setting.

        The setting is, nearest first: the generic name a sentence gives its value ("the
        Threshold you set (default is 10,000 ms)": the threshold *of* the option the text
        is about, "HA2 Keep-alive Threshold"); the lead-in of the text ("HA4 Keep-alive
        Threshold (ms) —... (range is ...)"); the row of a settings table ("Hello Interval
        (ms) | ... (range is 8,000 to 60,000; default is 8,000)"); the Title Case name after
        enter/set/change/configure/select/for in the sentence or the one before it. "This
        option is disabled by default" is the option's own default, not its threshold's.
        """
        lead = _setting_lead(section.text)
        row: tuple[str, str | None] | None = None
        if section.kind == "table_row" and section.label and not scope.links and not scope.platforms:
            row = _setting_label(section.label)
        # A settings table read as one heading per setting ("Panorama > High Availability >
        # Monitor Hold Time (ms)"): the heading names the setting, as a row label would, but
        # a setting the sentence names itself comes first.
        heading = None
        if section.kind == "paragraph" and len(section.path) >= 2 and not scope.links and not scope.platforms:
            heading = _setting_label(section.path[-1])
        path = section.path
        if lead and not _GENERIC_SETTING.fullmatch(lead[0]):
            self._setting_base = (path, lead[0])
        base = self._setting_base[1] if self._setting_base and self._setting_base[0] == path else None
        named: tuple[str, str | None] | None = None  # from enter/set/... in an earlier sentence
        chosen = False  # ... by "select", which picks an option rather than entering a value
        previous = ""
        sentences = split_sentences(section.text)
        first = sentences[0] if sentences else ""
        for sentence in sentences:
            found = _SETTING_NAME_RE.search(sentence)
            if found:
                named = (found.group(1).strip(), found.group(2))
                chosen = found.group(0).lower().startswith("select")
            generic = _GENERIC_VALUE_RE.search(sentence)
            if named and chosen and not generic:
                # "select Preemptive" turns an option on; the value a later sentence gives
                # belongs to it only when that sentence hands it to "the threshold that is set".
                owner = lead or row
            else:
                owner = lead or row or named
            owner = owner or heading
            if owner is None:
                previous = sentence
                continue
            name, unit = owner
            if _GENERIC_SETTING.fullmatch(name) and base and base != name:
                name = f"{base} {name}"  # "Threshold (ms)" under "HA2 Keep-alive": its threshold
            quote = sentence
            if owner is named and not found and previous and _norm(name) in _norm(previous):
                quote = f"{previous} {sentence}"  # the value's sentence does not name the setting
            elif owner is lead and not section.text.startswith(sentence):
                quote = f"{first} {sentence}"  # the item's first sentence names the setting
            for rm in _RANGE_RE.finditer(sentence):
                if re.search(r"\d+\.\d+\.\d+", rm.group(1)):
                    continue  # an address range, not a setting's
                yield self._fact(
                    section,
                    self._of(name, generic, rm.start()),
                    "range",
                    _clean_value(rm.group(1)),
                    quote,
                    qualifier=unit,
                )
            for dm in _DEFAULT_RE.finditer(sentence):
                yield self._fact(
                    section,
                    self._of(name, generic, dm.start()),
                    "default",
                    _clean_value(dm.group(1)),
                    quote,
                    qualifier=unit,
                )
            for dm in _BY_DEFAULT_RE.finditer(sentence):
                if not _GENERIC_SETTING.fullmatch(name):
                    yield self._fact(section, name, "default", dm.group(1).lower(), quote)
            previous = sentence

    @staticmethod
    def _of(name: str, generic: re.Match[str] | None, at: int) -> str:
        """The setting a value belongs to: `name`, or its threshold/interval/... when the
        sentence hands the value to that ("the Threshold you set (default is ...)")."""
        if generic is None or at < generic.start():
            return name
        word = generic.group(1).title()
        return name if name.lower().endswith(word.lower()) else f"{name} {word}"

    def _model_cells(self, section: Section) -> Iterator[Fact]:
        """Numeric cells of a table whose rows or columns are platform models become facts
        scoped to that platform: "Firewall Model | Number of Members Supported Per Cluster"
        with the row "PA-3200 Series | 6" gives PA-3200 Series max-members 6 (per cluster).

        Rows are models: the value column names the attribute. Columns are models (a
        timers table "Timer | PA-7500 | PA-5400 Series ..."): the row names the attribute,
        and only when every cell's column is certain (`section.cells`): a scrape that
        flattened 16 model columns into 3 values says nothing about which model has which.
        The quote is the cell with its row and column names, so it holds the value.
        """
        assert section.label is not None
        label = section.label
        columns = section.columns
        row_models = _models_in(label)
        if section.cells and len(columns) == len(section.cells) + 1:
            pairs = list(zip(columns[1:], section.cells, strict=True))
        else:
            head = f"{label}: "
            body = section.text[len(head) :] if section.text.startswith(head) else section.text
            if not row_models or section.text == label or not columns:
                return
            pairs = [(columns[-1], cell.strip()) for cell in re.split(r"\s+\|\s+|;\s+", body) if cell.strip()]
        for column, cell in pairs:
            column_models = _models_in(column)
            if column_models and not row_models:
                # The row is an attribute, each model column a value.
                named = _setting_label(label)
                if named is None or not _CELL_VALUE.match(cell):
                    continue
                attribute = _slug(named[0])
                for model in column_models:
                    yield self._fact(
                        section,
                        model,
                        attribute,
                        cell,
                        f"{label} \u2014 {column}: {cell}",
                        column=True,  # the row's label names the attribute, as a column would
                        qualifier=named[1],
                        platforms=[model],
                    )
                continue
            if not row_models or column_models:
                continue
            found = _column_attribute(column)
            if found is None:
                continue
            attribute, qualifier = found
            m = _MODEL_CELL.match(cell)
            if m and _models_in(m.group(1)):
                # "PA-7080: 4" in the PA-7000 Series row: the model's own value.
                models, value = _models_in(m.group(1)), m.group(2)
            elif _CELL_VALUE.match(cell):
                models, value = row_models, cell
            else:
                continue
            quote = f"{column} \u2014 {label}: {cell}"
            for model in models:
                yield self._fact(
                    section, model, attribute, value, quote, column=True, qualifier=qualifier, platforms=[model]
                )

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

        def fact(
            subject: str, attribute: str, value: str, qualifier: str | None = None, protocol: str | None = None
        ) -> Fact:
            return self._fact(
                section,
                subject,
                attribute,
                value,
                quote,
                platforms=platform_scope,
                qualifier=qualifier,
                protocol=protocol,
            )

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
                    yield fact(
                        subject, "port", port, qualifier=_mode(window) or _qualifier(window), protocol=proto.upper()
                    )
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
                tail = lexicon.links_in(sentence[m.start() :]) or subjects
                if re.search(r"\bfor\s+backup\s+links\b", m.group(0), re.I):
                    # "ports can be used for backup links for both HA1 and HA2"
                    tail = [
                        t if t.endswith("-backup") else f"{t}-backup" for t in tail if t in ("HA1", "HA2", "HA4")
                    ] or tail
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
        unneeded = _NOT_REQUIRED_RE.search(sentence)
        if unneeded:
            # "(If you didn't configure a Permitted IP list, you don't need to add the
            # peer HA1 IP address.)": the condition under which a step is not needed.
            for subject in subjects or platform_scope:
                yield fact(
                    subject, "not-required", _clean_value(unneeded.group(2)), qualifier=_clean_value(unneeded.group(1))
                )
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
        dedicated = _DEDICATED_ROW_RE.match(sentence)
        if dedicated and row_platforms:
            for platform in row_platforms:
                yield self._fact(section, platform, "dedicated-ha-ports", dedicated.group(1), sentence)
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
                body = (
                    phrase[verb.end() :] if verb and verb.group(1).lower().startswith(("sync", "exchange")) else phrase
                )
                if body.count(",") >= 2:  # a list: its trailing "between X" is not an item
                    body = re.split(r"\s+(?:between|with)\s+", body)[0]
                items = _split_list(body)
                owners = lexicon.links_in(sentence[: m.start()]) or subjects
                if not owners:
                    continue
                for item in items:
                    if len(item) < 3:
                        continue
                    # "The Management port is used for HA1": what serves a link, not what
                    # the link is for. A purpose that is only a link's name is none.
                    rest = [w for w in re.findall(r"[\w-]+", item) if not lexicon.links_in(w)]
                    if lexicon.links_in(item) and all(w.lower() in _JOINERS for w in rest):
                        continue
                    for subject in owners:
                        yield fact(subject, attribute, item)

    def _fact(
        self,
        section: Section,
        subject: str,
        attribute: str,
        value: str,
        quote: str,
        *,
        column: bool = False,
        **kw: object,
    ) -> Fact:
        # One registry of attributes (hakb.attributes): a misspelt one fails here, where it is
        # made. A table's own column ("Max Sessions") names the attribute of its cells.
        if not column:
            attributes.check(attribute)
        quote = re.sub(r"\s+", " ", quote).strip()
        if "subject_from" not in kw:
            kw["subject_from"] = "quote" if _named_in(subject, quote) else self._origin
        return Fact(subject=subject, attribute=attribute, value=value, citation=self._citation(section, quote), **kw)

    def _citation(self, section: Section, quote: str) -> Citation:
        key = (section.heading, quote)
        cited = self._cited.get(key)
        if cited is None:
            meta = self.meta
            cited = self._cited[key] = Citation(
                doc_id=meta.doc_id,
                title=meta.title,
                url=meta.url,
                section=section.heading,
                quote=quote,
                version=meta.version,
                scope=sentence_scope(meta.scope, quote),
            )
        return cited


# A value that points elsewhere rather than naming something: a demonstrative or relative
# pronoun opens it ("in this configuration", "that must be configured differently ...").
_POINTING = re.compile(r"^(?:(?:in|on|for|with|at|of|to|from|by|under)\s+)?(?:this|these|that|those|which)\b", re.I)


def _deictic(fact: Fact) -> bool:
    """A fact whose value says nothing without the sentence around it: "HSCI not supported:
    in this configuration" (what is not supported is "access mode"). A note (a constraint)
    is its whole sentence, and may open with "This"."""
    return fact.attribute != "constraint" and bool(_POINTING.match(fact.value))


def _off_scope(fact: Fact, nearest: list[str]) -> bool:
    """A fact whose subject it inherited (from a row label, heading or inline label) while
    the label nearest before its quote names another link: "IP protocol number 99" under
    "Data Link (HA2)" is not about the "Control Link (HA1)" row the page put it in."""
    if fact.subject_from in (None, "quote") or not nearest:
        return False
    return fact.subject in lexicon.LINKS and fact.subject not in nearest


# Models a table names in a row label or a column: PA-3200 Series, PA-5450, VM-300.
_OTHER_MODEL = re.compile(r"\bVM-\d{2,4}\b")
_ANY_MODEL = re.compile(r"\b(?:PA|VM)[\s-]?\d{2,5}[A-Z]{0,2}\b(?:\s+series)?", re.IGNORECASE)
_CELL_VALUE = re.compile(
    r"^\d[\d,.]*(?:\s*/\s*\d[\d,.]*)*(?:\s*(?:ms|s|sec|seconds|min|minutes|GB|MB|Gbps|Mbps|%))?\*?$"
)
_MODEL_CELL = re.compile(r"^(.{2,40}?):\s*(\d[\d,.]*)$")


def _models_in(text: str) -> list[str]:
    """Platform models and families a table cell names, in order."""
    found = [(p.start, p.name) for p in lexicon.platforms_in(text)]
    found += [(m.start(), m.group(0)) for m in _OTHER_MODEL.finditer(text)]
    # "PA-7000-100G-NPC" is a card of the PA-7000 Series, not a model of its own.
    names = [name for start, name in sorted(found) if not re.match(r"-\w", text[start + len(name) :])]
    return list(dict.fromkeys(names))


def _only_models(label: str) -> bool:
    """Does a row label name models and nothing else ("PA-5410, PA-5420, and PA-5450")?"""
    return not re.sub(r"[\s,;/&]+|\b(?:and|or)\b", "", _ANY_MODEL.sub("", label))


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", lexicon.normalise(text)))


def _column_attribute(column: str) -> tuple[str, str | None] | None:
    """A value column's name as an attribute and qualifier: "Number of Members Supported Per
    Cluster" (even glued to "Firewall Model") -> ("max-members", "per cluster");
    "Max Sessions (K)" -> ("max-sessions", "K")."""
    low = lexicon.normalise(column)
    unit = re.search(r"\(([^()]{1,12})\)\s*$", low)
    per = re.search(r"\bper\s+([a-z]+)", low)
    qualifier = f"per {per.group(1)}" if per else (unit.group(1) if unit else None)
    count = re.search(r"\bnumber\s+of\s+([a-z][a-z-]*)", low)
    if count:
        limit = re.search(r"\b(?:max|maximum|supported|limit|up\s+to)\b", low)
        return ("max-" if limit else "number-of-") + count.group(1), qualifier
    rest = re.sub(r"\([^()]*\)", " ", low)
    rest = re.sub(r"\b(?:firewalls?|models?|platforms?|series|hardware|appliances?)\b", " ", rest)
    rest = re.sub(r"\bper\s+[a-z]+", " ", rest)
    name = _slug(rest)
    if not name or name.count("-") > 4:
        return None
    return re.sub(r"^maximum-", "max-", name), qualifier


def _setting_label(label: str) -> tuple[str, str | None] | None:
    """A settings-table row label -> (setting, unit): "Hello Interval (ms)" -> ("Hello Interval", "ms")."""
    m = re.match(r"^(.*?)\s*(?:\(([^)]{1,12})\))?\s*$", label)
    name = (m.group(1) if m else label).strip()
    unit = m.group(2) if m else None
    name = re.sub(r"\s*\(.*$", "", name).strip()  # "Device Priority (required, if ...)"
    if not name or len(name) > 60 or _PORTISH_LABEL.match(name):
        return None
    return name, unit


def _setting_lead(text: str) -> tuple[str, str | None] | None:
    """The setting a settings-list item starts with: "HA4 Keep-alive Threshold (ms) —...",
    "(Mandatory) Group ID: A numeric identifier ...", "Tentative Hold Time range (sec) can be ..."."""
    m = _SETTING_LEAD_RE.match(text) or _SETTING_COLON_LEAD_RE.match(text) or _SETTING_RANGE_LEAD_RE.match(text)
    if not m:
        return None
    name = m.group(1).strip()
    if len(name) > 60 or not re.match(r"[A-Z0-9]", name):
        return None
    return name, m.group(2)


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
    """ "in clear text", "when encrypted": how a port's traffic travels."""
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


_UNITS = {
    "ms": ("ms", 1),
    "msec": ("ms", 1),
    "millisecond": ("ms", 1),
    "milliseconds": ("ms", 1),
    "s": ("ms", 1000),
    "sec": ("ms", 1000),
    "secs": ("ms", 1000),
    "second": ("ms", 1000),
    "seconds": ("ms", 1000),
    "min": ("ms", 60000),
    "mins": ("ms", 60000),
    "minute": ("ms", 60000),
    "minutes": ("ms", 60000),
    "hour": ("ms", 3600000),
    "hours": ("ms", 3600000),
    "byte": ("bytes", 1),
    "bytes": ("bytes", 1),
}
_UNIT_RE = re.compile(r"(?<=[\d\s])(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\.?$")
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")


def _value_parts(value: str, qualifier: str | None) -> tuple[str, str | None]:
    """(the value's words without its unit, its unit or None)."""
    text = lexicon.normalise(value)
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text) or text  # "0x7261 (hex)", "layer 2 (only)"
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    unit: str | None = None
    m = _UNIT_RE.search(text)
    if m and re.search(r"\d", text[: m.start()]):
        unit, text = m.group(1), text[: m.start()].strip()
    elif qualifier and lexicon.normalise(qualifier).strip("() .") in _UNITS:
        unit = lexicon.normalise(qualifier).strip("() .")
    text = re.sub(r"\s*(?:-|\bto\b)\s*", " to ", text).strip()
    return text, unit


def value_key(value: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """A value as a comparable (text, unit): the same value in other words or units gets the
    same key. "8,000" and "8000"; "1-63" and "1 to 63"; "0x7261" and "0x7261 (hex)"; "60
    seconds", "1 min" and "60" with the unit "sec" in its qualifier all give ("60000", "ms");
    a value with no unit said keeps its number and no unit."""
    text, unit = _value_parts(value, qualifier)
    if unit is None:
        return text, None
    base, factor = _UNITS[unit]
    parts = text.split(" to ")
    if all(_NUMBER_RE.match(p) for p in parts):
        text = " to ".join(f"{float(p) * factor:g}" for p in parts)
    return text, base


def same_value(a: str, b: str, qualifier_a: str | None = None, qualifier_b: str | None = None) -> bool:
    """Do two values say the same thing? "60" and "60 seconds", "8000" and "8,000", "0x7261"
    and "0x7261 (hex)" do; "60 ms" and "60 seconds" do not. A value without a unit agrees
    with the same number in any unit."""
    ka, kb = value_key(a, qualifier_a), value_key(b, qualifier_b)
    if ka[1] and kb[1]:
        return ka == kb
    return _value_parts(a, qualifier_a)[0] == _value_parts(b, qualifier_b)[0]


def mark_conflicts(facts: list[Fact]) -> int:
    """Flag single-valued facts on which documents disagree; returns how many keys.

    The same value in other words or units is no disagreement: "60" and "60 seconds",
    "8,000" and "8000", "1-63" and "1 to 63", "0x7261" and "0x7261 (hex)" agree.
    """
    # Platform-scoped values count too: "HA1 is Layer 3" on one page and "Layer 2 on
    # PA-7500" on another is a difference a reader must see (the answer names the scope).
    groups: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f.attribute in SINGLE_VALUED:
            groups[(f.subject, f.attribute)].append(f)
    conflicts = 0
    for group in groups.values():
        differ = any(
            a.doc_id != b.doc_id and not same_value(a.value, b.value, a.qualifier, b.qualifier)
            for i, a in enumerate(group)
            for b in group[i + 1 :]
        )
        if differ:
            conflicts += 1
            ids = {id(f) for f in group}
            for i, f in enumerate(facts):
                if id(f) in ids:
                    facts[i] = f.model_copy(update={"conflict": True})
    return conflicts
