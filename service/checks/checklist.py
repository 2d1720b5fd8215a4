"""The HA connectivity checklist: every flow between two HA peers for one deployment,
each line cited, built from a build's facts table only.

    deployment = Deployment(model="PA-3260", mode="active-passive", ha1_encryption=True,
                            ha2_transport="udp", backups=("ha1", "ha2", "heartbeat"))
    found = build_checklist(build.facts, build.scope_vocabulary, deployment)
    found.lines[0].link, found.lines[0].flows[0].label   # "HA1", "TCP 28"
    render_text(found)   # for a firewall-rule ticket;  render_csv(found)  one row per flow

What this module knows is *kinds of things*: which links a mode uses (HA1 and HA2; HA3 for
active/active; HA4 for a cluster), which attribute of HA2 names each transport's identifier
(an ether type, an IP protocol number, a UDP port), what a layer means for the path between
the peers, how an interface is written (management, HSCI, data port). Every port, ether
type, protocol, layer, interface and note comes from a fact and carries its citations;
what no fact gives for the platform is said to be undocumented, never filled in.

Which facts apply: those of the asked scope (product, deployment, PAN-OS version; by
default the products whose documents name the platform), either about the platform's
documented names (PA-3260 -> PA-3200 Series) or about no platform at all. Where the
platform has its own statement (an interface, a layer), it wins over the general one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field, computed_field

from hakb.errors import BadInput, NotFound, RuledOut
from hakb.ingest import lexicon
from hakb.ingest.models import Citation, Fact
from hakb.service.facts_table import FactTable
from hakb.service.ranking import sources
from hakb.service.scope import QuestionScope, ScopeVocabulary
from hakb.service.scope_choice import ScopeChoice

Mode = Literal["active-passive", "active-active", "cluster"]
MODES: tuple[Mode, ...] = ("active-passive", "active-active", "cluster")
_MODE_WORDS: dict[str, Mode] = {
    "activepassive": "active-passive",
    "ap": "active-passive",
    "activeactive": "active-active",
    "aa": "active-active",
    "cluster": "cluster",
    "clustering": "cluster",
}
# How documents name a mode in a sentence: a note that names another mode only is not shown.
_MODE_TEXT: dict[Mode, re.Pattern[str]] = {
    "active-passive": re.compile(r"active\s*/\s*passive|active-passive", re.I),
    "active-active": re.compile(r"active\s*/\s*active|active-active", re.I),
    "cluster": re.compile(r"\bcluster", re.I),
}

# HA2's transports and the attribute of an HA2 fact that gives each one's identifier on the
# wire (the facts give the values): Ethernet frames carry an ether type, IP a protocol
# number, UDP a port.
TRANSPORTS: dict[str, Callable[[Fact], bool]] = {
    "ethernet": lambda f: f.attribute == "ethertype",
    "ip": lambda f: f.attribute == "ip-protocol",
    "udp": lambda f: f.attribute == "port" and (f.protocol or "").upper() == "UDP",
}
# A backup as a user names it ("ha1") and the link it is: every "-backup" link of the lexicon.
BACKUPS: dict[str, str] = {
    link.removesuffix("-backup").lower(): link for link in lexicon.LINKS if link.endswith("-backup")
}
_LINK_ORDER = {name: i for i, name in enumerate([*lexicon.LINKS, *lexicon.INTERFACES, lexicon.CLUSTER])}

# What a layer means for the path between the peers: general networking, not a documented
# value, so it is shown only as hakb's own note (`note_by_hakb`), apart from what is cited.
LAYER_MEANING = {
    "1": "physical: a cable straight between the two peers' ports",
    "2": "same broadcast domain: back to back or through a switch (one VLAN), not routed",
    "3": "IP-addressed: each peer has an address; the path may be routed",
}
_SPANS_MEANING = "routed: the peers may be in different subnets"

# How documents write an interface, as the kind of interface on the platform.
_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bhsci\b|high[\s-]speed chassis interconnect", re.I), "HSCI port"),
    (re.compile(r"\bmgt\b|\bmgmt\b|management (?:port|interface)", re.I), "management port"),
    (re.compile(r"\baux\b|\baux-\d", re.I), "AUX port"),
    (re.compile(r"\baggregate", re.I), "aggregate interface of data ports"),
    (re.compile(r"\bdata ?(?:plane )?ports?\b|\bdataplane\b|\bin-band\b|\bnpc\b", re.I), "data port"),
)
_NOTE_ATTRIBUTES = ("requires", "recommended", "not-supported", "required-in", "not-required")


# -- the shapes ------------------------------------------------------------------------


class Deployment(BaseModel):
    """What the checklist is for, as a user states it."""

    model: str = Field(description="A firewall model or family: PA-3260, PA-3200 Series")
    mode: Mode = "active-passive"
    ha1_encryption: bool = False
    ha2_transport: str = "ethernet"
    backups: tuple[str, ...] = Field(default=(), description="Any of: " + ", ".join(BACKUPS))
    ha3: bool | None = Field(default=None, description="HA3 packet-forwarding link; default: on in active/active")
    hsci: bool = Field(default=False, description="HA2 (and HA3) over the platform's HSCI port")
    product: str | None = None
    deployment: str | None = None
    version: str | None = None

    @property
    def query(self) -> str:
        """This deployment as GET /v1/checklist's query string: the link opens this checklist."""
        fields: dict[str, str] = {
            "model": self.model,
            "mode": self.mode,
            "ha1_encryption": str(self.ha1_encryption).lower(),
            "ha2_transport": self.ha2_transport,
        }
        if self.backups:
            fields["backups"] = ",".join(self.backups)
        if self.ha3 is not None:
            fields["ha3"] = str(self.ha3).lower()
        if self.hsci:
            fields["hsci"] = "true"
        for name in ("product", "deployment", "version"):
            if getattr(self, name):
                fields[name] = getattr(self, name)
        return urlencode(fields)

    @property
    def uses_ha3(self) -> bool:
        return self.ha3 if self.ha3 is not None else self.mode == "active-active"

    @property
    def label(self) -> str:
        parts = [self.mode.replace("-", "/"), f"HA1 encryption {'on' if self.ha1_encryption else 'off'}"]
        parts.append(f"HA2 transport {self.ha2_transport}")
        parts.append("backups: " + (", ".join(self.backups) if self.backups else "none"))
        if self.uses_ha3:
            parts.append("HA3")
        if self.hsci:
            parts.append("HSCI")
        return ", ".join(parts)


class Sourced(BaseModel):
    """One documented value and the sentences that say it."""

    text: str
    qualifier: str | None = None
    citations: list[Citation]
    note_by_hakb: str | None = Field(
        default=None,
        description="hakb's own explanatory note (for a layer: what it means for the path between the peers); "
        "general networking, not from the documents, so no citation supports it",
    )


class Cell(BaseModel):
    """What the documents say about one aspect of a link; `missing` when they say nothing."""

    items: list[Sourced] = Field(default_factory=list)
    missing: str | None = None
    conflict: bool = False  # documents give different values


class Flow(BaseModel):
    """One thing to allow between the peers: a protocol with its port, ether type or number."""

    protocol: str | None = None  # TCP, UDP, IP, ICMP, as the documents write it
    port: str | None = None
    ethertype: str | None = None
    ip_protocol: str | None = None
    qualifier: str | None = None  # "clear text", "encrypted", "HA1 ssh tunneled", ...
    detail: str | None = None  # what the same sentence says of it ("SSH over TCP")
    conflict: bool = False
    citations: list[Citation]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def label(self) -> str:
        """'TCP 28769', 'ether type 0x7262', 'IP protocol 99', 'ICMP'."""
        if self.ethertype:
            return f"ether type {self.ethertype}"
        if self.ip_protocol:
            return f"IP protocol {self.ip_protocol}"
        if self.port:
            return f"{self.protocol or 'protocol not stated'} {self.port}"
        return self.protocol or ""


class Line(BaseModel):
    """One link between the peers and everything the documents say that a path for it needs."""

    link: str
    purpose: Cell
    interface: Cell
    flows: list[Flow]
    flows_missing: str | None = None
    direction: Cell
    layer: Cell
    notes: list[Sourced]


class Checklist(BaseModel):
    model: str
    documented_as: list[str]
    deployment: Deployment
    scope: str  # the scope the facts were taken from, as people read it
    platform: list[Sourced]  # what the documents say of the platform's HA ports
    platform_notes: list[Sourced]
    lines: list[Line]


# -- reading a deployment --------------------------------------------------------------


def parse_mode(text: str) -> Mode:
    key = re.sub(r"[\s/_\-]+", "", text.strip().lower())
    mode = _MODE_WORDS.get(key)
    if mode is None:
        raise BadInput(f"mode {text!r} is not one of: {', '.join(MODES)} (a/p and a/a are read too)", code="bad_mode")
    return mode


def parse_backups(text: str | Iterable[str]) -> tuple[str, ...]:
    """'ha1,ha2,heartbeat' (or a list) -> ('ha1', 'ha2', 'heartbeat'); BadInput for others."""
    names = re.split(r"[\s,]+", text) if isinstance(text, str) else list(text)
    out: list[str] = []
    for name in (n.strip().lower().removesuffix("-backup").removesuffix("backup") for n in names):
        if not name:
            continue
        name = {"hb": "heartbeat"}.get(name, name)
        if name not in BACKUPS:
            raise BadInput(f"backup {name!r} is not one of: {', '.join(BACKUPS)}", code="bad_backup")
        if name not in out:
            out.append(name)
    return tuple(out)


def parse_words(text: str) -> Deployment:
    """A deployment in chat words, in any order: 'PA-3260 a/p udp encrypted backups ha1,hb'.

    A model; a mode (a/p, a/a, cluster); an HA2 transport; 'encrypted' (HA1 encryption on);
    'ha3', 'hsci'; 'backups' followed by names; a PAN-OS version. BadInput names a word
    that is none of these."""
    model: str | None = None
    fields: dict[str, object] = {}
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    i = 0
    while i < len(words):
        word, low = words[i], words[i].lower().strip(",")
        i += 1
        if lexicon.canonical_model(low) and model is None and re.fullmatch(r"pa[\s-]?\d{2,4}[a-z]{0,2}", low):
            model = word
            if i < len(words) and words[i].lower() == "series":
                model, i = f"{word} Series", i + 1
        elif low in TRANSPORTS or lexicon.protocols_in(low):
            # "tcp" too: the checklist then says, citing the documents, which transports exist.
            fields["ha2_transport"] = low
        elif low in ("encrypted", "encryption", "encrypt"):
            fields["ha1_encryption"] = True
        elif low in ("ha3", "hsci"):
            fields[low] = True
        elif low in ("backup", "backups") and i < len(words):
            fields["backups"] = parse_backups(words[i])
            i += 1
        elif re.fullmatch(r"\d{1,2}\.\d{1,2}(?:\.\d{1,3}|\.x)?", low):
            fields["version"] = low
        else:
            try:
                fields["mode"] = parse_mode(low)
            except BadInput:
                raise BadInput(
                    f"{word!r} is not a model, mode ({', '.join(MODES)}, a/p, a/a), HA2 transport "
                    f"({', '.join(TRANSPORTS)}), 'encrypted', 'ha3', 'hsci', 'backups NAMES' or a PAN-OS version",
                    code="bad_checklist",
                ) from None
    if model is None:
        raise BadInput("name a firewall model, for example PA-3260", code="bad_checklist")
    return Deployment.model_validate({"model": model, **fields})


# -- which facts apply -----------------------------------------------------------------


def _cite(facts: Iterable[Fact]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for f in facts:
        seen.setdefault((f.url or f.doc_id, f.quote), f.citation)
    return list(seen.values())


class _View:
    """The facts that hold for one platform in one scope."""

    def __init__(self, table: FactTable, names: Sequence[str], asked: QuestionScope, mode: Mode) -> None:
        self.table, self.names, self.asked, self.mode = table, set(names), asked, mode

    def holds(self, f: Fact) -> bool:
        if not self.asked.admits(f.scope):
            return False
        if f.platforms:
            return bool(self.names & set(f.platforms))
        # A sentence that names other platforms only is about them.
        named = {m.name for m in lexicon.platforms_in(f.quote)}
        return not named or any(set(self.table.resolve(n)) & self.names for n in named)

    def facts(self, subject: str, attributes: Iterable[str]) -> list[Fact]:
        wanted = set(attributes)
        return [f for f in self.table.by_subject(subject) if f.attribute in wanted and self.holds(f)]

    def own_first(self, facts: list[Fact]) -> list[Fact]:
        """The platform's own statements when it has some, else the general ones."""
        own = [f for f in facts if f.platforms]
        return own or facts

    def platform_facts(self, attributes: Iterable[str]) -> list[Fact]:
        wanted = set(attributes)
        return [
            f
            for name in sorted(self.names)
            for f in self.table.by_subject(name)
            if f.attribute in wanted and self.asked.admits(f.scope)
        ]

    def for_mode(self, f: Fact) -> bool:
        """False for a sentence about another mode only (a cluster note in active/passive)."""
        named = [m for m, pattern in _MODE_TEXT.items() if pattern.search(f.quote)]
        return not named or self.mode in named

    def has_hsci(self) -> list[Fact]:
        """The facts that give this platform an HSCI port (none: it has none the documents name)."""
        own = [f for f in self.platform_facts(["dedicated-ha-ports"]) if "HSCI" in lexicon.interfaces_in(f.value)]
        own += [f for f in self.facts("HSCI", ["layer", "port"]) if f.platforms]
        for link in ("HA2", "HA3"):
            own += [f for f in self.facts(link, ["can-use"]) if f.platforms and _kind(f) == "HSCI port"]
        return own


def _kind(f: Fact) -> str | None:
    """The kind of interface a fact's value names (or, for 'this port', its table row)."""
    label = f.section.split(" > ")[-1] if " > " in f.section else ""
    for text in (f.value, label):
        for pattern, kind in _KINDS:
            if pattern.search(text):
                return kind
        if lexicon.links_in(text) and text is f.value:
            return "dedicated HA port"
    return None


def _quote_kind(f: Fact) -> str | None:
    return next((kind for pattern, kind in _KINDS if pattern.search(f.quote)), None)


def _group(
    facts: Iterable[Fact], text: Callable[[Fact], str], meaning: Callable[[Fact], str | None] | None = None
) -> list[Sourced]:
    groups: dict[tuple[str, str | None], list[Fact]] = {}
    for f in facts:
        groups.setdefault((text(f), f.qualifier), []).append(f)
    return [
        Sourced(text=t, qualifier=q, note_by_hakb=meaning(fs[0]) if meaning else None, citations=_cite(fs))
        for (t, q), fs in groups.items()
    ]


def _purpose(facts: Iterable[Fact]) -> list[Sourced]:
    """What a link carries, one item per sentence: the values it lists, joined
    ("hellos, heartbeats, HA state information"); what most pages say comes first."""
    by_quote: dict[tuple[str, str], list[Fact]] = {}
    for f in facts:
        by_quote.setdefault((f.attribute, re.sub(r"\s+", " ", f.quote)), []).append(f)
    by_text: dict[str, list[Fact]] = {}
    for (attribute, _), fs in by_quote.items():
        values = ", ".join(dict.fromkeys(f.value for f in fs))
        by_text.setdefault(f"synchronizes {values}" if attribute == "synchronizes" else values, []).extend(fs)
    items = [Sourced(text=text, citations=_cite(fs)) for text, fs in by_text.items()]
    return sorted(items, key=lambda s: -len(s.citations))


def _cell(items: list[Sourced], missing: str, single: bool = False) -> Cell:
    """`single`: the documents should give one value (a layer); two that apply here differ.
    (A fact's own `conflict` flag may come from a platform this checklist is not about.)"""
    if not items:
        return Cell(missing=missing)
    values = {re.sub(r"\W+", "", i.text.lower()) for i in items}
    return Cell(items=items, conflict=single and len(values) > 1)


def _layer_meaning(f: Fact) -> str | None:
    m = re.search(r"layer\s*(\d)", f.value, re.I)
    return LAYER_MEANING.get(m.group(1)) if m else None


def _encrypted(table: FactTable, f: Fact) -> bool | None:
    """Whether a fact holds for encrypted HA1 traffic (True), clear text (False) or both
    (None). Its qualifier's kinds as the engine reads them: "ssh tunneled" is of the
    encrypted kind where the page describes the encrypted port as "SSH over TCP"."""
    kinds = " ".join(sources.qualifier_kinds(table, f)).lower()
    encrypted, clear = "encrypt" in kinds, "clear" in kinds
    return encrypted if encrypted != clear else None


# -- the lines -------------------------------------------------------------------------


def _not_said(what: str, link: str, view: _View) -> str:
    return f"not documented: the documents do not say {what} for {link} on the {' / '.join(sorted(view.names))}"


def _flows(view: _View, link: str, dep: Deployment, cluster_ports: bool) -> list[Flow]:
    ports = [f for f in view.facts(link, ["port"]) if _is_cluster_fact(f) == cluster_ports]
    if link.startswith("HA2"):
        wanted = TRANSPORTS[dep.ha2_transport]
        chosen = [f for f in view.facts(link, ["port", "ethertype", "ip-protocol"]) if wanted(f)]
        flows = [_flow(fs) for fs in _by_value(chosen).values()]
        if len(flows) > 1:  # one transport has one identifier: two that apply here differ
            for flow in flows:
                flow.conflict = True
        return flows
    if link.startswith("HA1"):
        ports = [f for f in ports if _encrypted(view.table, f) in (None, dep.ha1_encryption)]
    flows = [_flow(fs) for fs in _by_value(ports).values()]
    protocols = [
        f
        for f in view.facts(link, ["protocol"])
        if not link.startswith("HA1") or _encrypted(view.table, f) in (None, dep.ha1_encryption)
    ]
    port_quotes = {f.quote: flow for flow, fs in zip(flows, _by_value(ports).values(), strict=True) for f in fs}
    for fs in _by_value(protocols).values():
        said_with = next((port_quotes[f.quote] for f in fs if f.quote in port_quotes), None)
        if said_with is not None:  # "port 28 for encrypted communication (SSH over TCP)"
            said_with.detail = fs[0].value
        else:  # "ICMP is used to exchange heartbeats between HA peers."
            flows.append(Flow(protocol=fs[0].value, qualifier=fs[0].qualifier, citations=_cite(fs)))
    return flows


def _by_value(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for f in facts:
        out.setdefault(f"{f.attribute}:{f.value}", []).append(f)
    return out


def _flow(facts: list[Fact]) -> Flow:
    first = facts[0]
    protocols = list(dict.fromkeys(f.protocol for f in facts if f.protocol))
    qualifiers = list(dict.fromkeys(f.qualifier for f in facts if f.qualifier))
    flow = Flow(
        protocol="/".join(protocols) or None,
        qualifier="; ".join(qualifiers) or None,
        citations=_cite(facts),
    )
    if first.attribute == "ethertype":
        flow.ethertype = first.value
    elif first.attribute == "ip-protocol":
        flow.ip_protocol, flow.protocol = first.value, flow.protocol or "IP"
    else:
        flow.port = first.value
    return flow


def _is_cluster_fact(f: Fact) -> bool:
    """A port the documents list for clustering (their page or section says so)."""
    return bool(_MODE_TEXT["cluster"].search(f.section) or _MODE_TEXT["cluster"].search(f.title))


def _interface(view: _View, link: str, dep: Deployment) -> Cell:
    items: list[Sourced] = []
    dedicated = view.platform_facts(["dedicated-ha-ports"])
    if link == "HSCI":
        items += _group([f for f in dedicated if _kind(f) == "HSCI port"], lambda f: f"HSCI port ({f.value})")
    else:
        # "HA1-A and HA1-B", "HA1 and HA2": the platform's dedicated ports for the link; an AUX
        # port whose sentence names the link ("... you can configure for HA1").
        named = [f for f in dedicated if link in lexicon.links_in(f.value)]
        aux = [f for f in dedicated if _kind(f) == "AUX port" and link in lexicon.links_in(f.quote)]
        items += _group(named, lambda f: f"dedicated HA port ({f.value})")
        items += _group(aux, lambda f: f"AUX port ({f.value})")
    # A sentence that rules an interface out is a note, not an option.
    ruled_out = {f.quote for f in view.facts(link, ["not-supported"])}
    options = [
        f
        for f in view.facts(link, ["interface", "can-use"])
        if f.quote not in ruled_out and _kind(f) is not None and view.for_mode(f)
    ]
    has_hsci = bool(view.has_hsci())
    options = [f for f in options if _kind(f) != "HSCI port" or has_hsci]
    if dep.hsci and link in ("HA2", "HA3"):
        options = [f for f in options if _kind(f) == "HSCI port"]
        items = []
    own = [f for f in options if f.platforms]
    items += _group(own if (own or items) else options, lambda f: _kind(f) or f.value)
    if not items and link in lexicon.INTERFACES:
        # A port listed for an interface itself ("28840 TCP: ... the management port heartbeat").
        said = [f for f in view.facts(link, ["port"]) if _quote_kind(f)]
        items += _group(said, lambda f: _quote_kind(f) or "")
    if not items:
        # Without dedicated HA ports the platform uses a data port: say so only where written.
        without = [f for f in dedicated if re.search(r"\bwithout\b", f.value, re.I)]
        items += _group(without, lambda f: f"no dedicated HA port ({f.value})")
    return _cell(items, _not_said("which interface carries it", link, view))


def _line(view: _View, link: str, dep: Deployment, *, cluster_ports: bool = False) -> Line:
    purpose = _purpose(view.own_first(view.facts(link, ["purpose", "synchronizes"])))
    flows = _flows(view, link, dep, cluster_ports)
    what = "which ports or protocols it uses"
    if link.startswith("HA2"):
        what = {"ethernet": "its ether type", "ip": "its IP protocol number", "udp": "its UDP port"}.get(
            dep.ha2_transport, what
        )
    direction_facts = view.own_first(view.facts(link, ["direction"]))
    layer_facts = view.own_first(view.facts(link, ["layer"]))
    if link.startswith("HA2") and dep.ha2_transport != "ethernet":
        spans = view.facts(link, ["spans-subnets"])
        layer = _group(spans, lambda f: f.value, lambda f: _SPANS_MEANING)
        layer_cell = _cell(layer, _not_said("whether it may be routed", link, view))
    else:
        layer = _group(layer_facts, lambda f: f.value, _layer_meaning)
        layer_cell = _cell(layer, _not_said("its layer", link, view), single=True)
    # A sentence under a heading that names the link but does not itself is no note about it.
    notes_facts = [f for f in view.facts(link, _NOTE_ATTRIBUTES) if view.for_mode(f) and f.subject_from != "heading"]
    return Line(
        link=link,
        purpose=_cell(purpose, _not_said("what it carries", link, view)),
        interface=_interface(view, link, dep),
        flows=flows,
        flows_missing=None if flows else _not_said(what, link, view),
        direction=_cell(_group(direction_facts, lambda f: f.value), _not_said("its direction", link, view)),
        layer=layer_cell,
        notes=_group(notes_facts, lambda f: f.quote),
    )


# -- rules that rule a deployment out --------------------------------------------------


def _rule(message: str, facts: Iterable[Fact], code: str, **extra: object) -> RuledOut:
    cited = _cite(facts)
    if cited:  # the rule in the message too: the CLI and Slack show only the message
        first = cited[0]
        message += f'. The documents: "{first.quote}" ({first.title} <{first.url or first.doc_id}>)'
        if len(cited) > 1:
            message += f" and {len(cited) - 1} more source{'s' if len(cited) > 2 else ''}"
    rules = [c.model_dump(mode="json") for c in cited]
    return RuledOut(message, code=code, extra={"rules": rules, **extra})


def _check(view: _View, dep: Deployment, table: FactTable, model: str) -> None:
    if dep.ha2_transport not in TRANSPORTS:
        # The transports that a cited fact gives an identifier for here, not every one hakb knows.
        identifiers = view.facts("HA2", ["ethertype", "ip-protocol", "port"])
        named = {name: [f for f in identifiers if wanted(f)] for name, wanted in TRANSPORTS.items()}
        named = {name: facts for name, facts in named.items() if facts}
        said = ", ".join(named) if named else "none for this platform"
        # The sentences that name those transports as such first ("either IP ... or UDP ...").
        naming = [
            f
            for f in view.facts("HA2", ["transport"])
            if any(re.search(rf"\b{name}\b", f.value, re.I) for name in named)
        ]
        raise _rule(
            f"HA2 transport {dep.ha2_transport!r} is not one the documents name; they name: {said}",
            [*naming, *(f for facts in named.values() for f in facts)],
            "unknown_transport",
            transports=list(named),
        )
    if dep.uses_ha3 and dep.mode == "active-passive":
        only_aa = [
            f
            for f in view.facts("HA3", ["required-in", "purpose"])
            if _MODE_TEXT["active-active"].search(f"{f.value} {f.quote}")
        ]
        if only_aa:
            raise _rule(
                "HA3 is an active/active link: the documents require it there, not in active/passive",
                only_aa,
                "ha3_not_in_mode",
            )
    if dep.hsci and not view.has_hsci():
        others = sorted({p for f in table.facts if f.subject == "HSCI" and f.platforms for p in f.platforms})
        raise _rule(
            f"the documents name no HSCI port on the {' / '.join(sorted(view.names))} ({model}); "
            f"they name one on: {', '.join(others) or 'no platform'}",
            view.platform_facts(["dedicated-ha-ports"]),
            "no_hsci",
            platforms_with_hsci=others,
        )
    own_not = [f for link in ("HA1", "HA2", "HA1-backup", "HA2-backup") for f in view.facts(link, ["not-supported"])]
    if dep.ha1_encryption:
        against = [f for f in own_not if f.subject == "HA1" and "encrypt" in f.value.lower() and view.for_mode(f)]
        if against:
            raise _rule(
                f"the documents rule out HA1 encryption on the {' / '.join(sorted(view.names))}",
                against,
                "encryption_not_supported",
            )
    for name in dep.backups:
        backup = BACKUPS[name]
        primary = backup.removesuffix("-backup")
        against = [
            f
            for f in own_not
            if f.subject in (primary, backup) and re.search(r"\bbackup", f.value, re.I) and view.for_mode(f)
        ]
        if against:
            raise _rule(f"the documents rule out a {backup} link in this scope", against, "backup_not_supported")


# -- the checklist ---------------------------------------------------------------------


def resolve_model(table: FactTable, model: str) -> tuple[str, list[str]]:
    """(the model as written canonically, the names the documents use for it); NotFound
    with the known families when the documents never name it."""
    canon = lexicon.canonical_model(model)
    names = table.resolve(model) if canon else []
    if not canon or not names:
        raise NotFound(
            f"the documents say nothing about {model!r}; documented platforms: {', '.join(table.families())}",
            code="unknown_model",
            extra={"known": table.families()},
        )
    return canon, names


def _scope(table: FactTable, vocabulary: ScopeVocabulary, dep: Deployment, names: list[str]) -> QuestionScope:
    product = dep.product
    if product is None:
        # The products whose documents name the platform: a PA-3260's checklist is not read
        # from another product's pages (CN-Series on AWS has no backup links).
        products = {f.scope.product for f in table.about_platforms(names) if f.scope and f.scope.product}
        product = next(iter(products)) if len(products) == 1 else None
    asked = ScopeChoice(product=product, deployment=dep.deployment, version=dep.version).resolve(vocabulary)
    return replace(asked, families=tuple(names))


def build_checklist(table: FactTable, vocabulary: ScopeVocabulary, dep: Deployment) -> Checklist:
    """The checklist for `dep`; NotFound for an unknown model, RuledOut for a combination
    the documents rule out, BadInput for a scope that cannot be read."""
    canon, names = resolve_model(table, dep.model)
    asked = _scope(table, vocabulary, dep, names)
    view = _View(table, names, asked, dep.mode)
    _check(view, dep, table, canon)
    links: list[str] = ["HA4"] if dep.mode == "cluster" else []
    links += ["HA1", "HA2"]
    if dep.uses_ha3:
        links.append("HA3")
    links += [BACKUPS[b] for b in dep.backups]
    if dep.hsci:
        links.append("HSCI")
    links.sort(key=lambda name: _LINK_ORDER.get(name, len(_LINK_ORDER)))
    lines = [_line(view, link, dep) for link in links]
    if dep.mode == "cluster":
        # The ports the documents list for clustering, by the interface they name.
        subjects = sorted(
            {f.subject for f in table.facts if f.attribute == "port" and view.holds(f) and _is_cluster_fact(f)},
            key=lambda name: _LINK_ORDER.get(name, len(_LINK_ORDER)),
        )
        for subject in subjects:
            line = _line(view, subject, dep, cluster_ports=True)
            lines.append(
                line.model_copy(update={"link": f"{subject} (cluster)" if subject != lexicon.CLUSTER else subject})
            )
    platform = _group(view.platform_facts(["dedicated-ha-ports"]), lambda f: f.value)
    platform_notes = _group(
        [f for f in view.platform_facts(["requires", "not-supported"]) if view.for_mode(f)], lambda f: f.quote
    )
    return Checklist(
        model=canon,
        documented_as=lexicon.shown_names(names, canon),
        deployment=dep,
        scope=asked.label or "every document",
        platform=platform,
        platform_notes=platform_notes,
        lines=lines,
    )


# -- rendering -------------------------------------------------------------------------


class _Refs:
    """Numbered sources for text, one number per quoted sentence with every page that says it."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.sources: list[list[Citation]] = []

    def __call__(self, citations: Iterable[Citation]) -> str:
        out: list[str] = []
        for c in citations:
            key = re.sub(r"\s+", " ", c.quote.strip())
            if key not in self.numbers:
                self.sources.append([])
                self.numbers[key] = len(self.sources)
            number = self.numbers[key]
            if all((c.url or c.doc_id) != (o.url or o.doc_id) for o in self.sources[number - 1]):
                self.sources[number - 1].append(c)
            if str(number) not in out:
                out.append(str(number))
        return f" [{', '.join(out)}]" if out else ""


def _sourced(s: Sourced, refs: _Refs) -> str:
    text = s.text + (f" ({s.qualifier})" if s.qualifier else "") + refs(s.citations)
    if s.note_by_hakb:  # after the citations: they do not support it
        text += f" (hakb's note, not from the documents: {s.note_by_hakb})"
    return text


def _cell_text(cell: Cell, refs: _Refs, limit: int = 0) -> list[str]:
    if not cell.items:
        return [cell.missing or "not documented"]
    items = cell.items[:limit] if limit else cell.items
    lines = [_sourced(s, refs) for s in items]
    if limit and len(cell.items) > limit:
        lines.append(f"(+{len(cell.items) - limit} more in the JSON)")
    if cell.conflict:
        lines[0] = "documents differ: " + lines[0]
    return lines


def render_text(found: Checklist) -> str:
    """Plain text for a firewall-rule ticket: one block per link, numbered sources at the end."""
    refs = _Refs()
    dep = found.deployment
    out = [
        f"HA connectivity checklist: {found.model} (documented as {', '.join(found.documented_as)})",
        f"Deployment: {dep.label}",
        f"Documents: {found.scope}",
    ]
    if found.platform:
        out.append("HA ports of the platform: " + "; ".join(_sourced(s, refs) for s in found.platform))
    for line in found.lines:
        out.append("")
        out.append(f"{line.link}: {_cell_text(line.purpose, refs, 1)[0]}")
        out += _field("interface", _cell_text(line.interface, refs))
        allow = [f.label + _flow_extra(f) + refs(f.citations) for f in line.flows] or [line.flows_missing or ""]
        out += _field("allow", allow)
        out += _field("direction", _cell_text(line.direction, refs, 2))
        out += _field("layer", _cell_text(line.layer, refs))
        if line.notes:
            out += _field("notes", [_sourced(s, refs) for s in line.notes])
    if found.platform_notes:
        out.append("")
        out += _field("platform", [_sourced(s, refs) for s in found.platform_notes])
    out.append("")
    out.append("Sources:")
    for i, cited in enumerate(refs.sources, 1):
        out.append(f'[{i}] "{cited[0].quote}"')
        for c in cited:
            scope = f" ({c.scope_label})" if c.scope_label else ""
            out.append(f"    {c.title} > {c.section.split(' > ')[-1]} <{c.url or c.doc_id}>{scope}")
    return "\n".join(out) + "\n"


def _flow_extra(f: Flow) -> str:
    extra = [x for x in (f.qualifier, f.detail) if x]
    text = f" ({'; '.join(extra)})" if extra else ""
    return text + (" [documents differ]" if f.conflict else "")


def _field(name: str, values: list[str]) -> list[str]:
    head = f"  {name + ':':11}"
    return [(head if i == 0 else " " * len(head)) + v for i, v in enumerate(values)]


CSV_COLUMNS = (
    "link",
    "interface",
    "protocol",
    "port",
    "ethertype",
    "ip_protocol",
    "qualifier",
    "direction",
    "layer",
    "layer_note_by_hakb",
    "documented",
    "sources",
    "quotes",
)


def render_csv(found: Checklist) -> str:
    """One row per flow (a link without a documented flow gets one row that says so)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in found.lines:
        interface = "; ".join(s.text for s in line.interface.items) or (line.interface.missing or "")
        direction = "; ".join(s.text for s in line.direction.items) or (line.direction.missing or "")
        layer = "; ".join(s.text for s in line.layer.items) or (line.layer.missing or "")
        meaning = "; ".join(dict.fromkeys(s.note_by_hakb for s in line.layer.items if s.note_by_hakb))
        flows: list[Flow | None] = list(line.flows) or [None]
        for flow in flows:
            citations = flow.citations if flow else []
            writer.writerow(
                [
                    line.link,
                    interface,
                    flow.protocol if flow else "",
                    flow.port if flow else "",
                    flow.ethertype if flow else "",
                    flow.ip_protocol if flow else "",
                    "; ".join(x for x in ((flow.qualifier, flow.detail) if flow else ()) if x),
                    direction,
                    layer,
                    meaning,
                    "yes" if flow else "no",
                    " | ".join(f"{c.title} <{c.url or c.doc_id}>" for c in citations) or (line.flows_missing or ""),
                    " | ".join(dict.fromkeys(c.quote for c in citations)),
                ]
            )
    return buf.getvalue()
