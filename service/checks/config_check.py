"""Check a PAN-OS HA configuration against the documents: findings, each with its rule cited.

    report = check_config(build, text, model="PA-3260")             # format read from the text
    report = check_config(build, text, model="PA-3260", scope=ScopeChoice(product="ngfw", version="11.1"))
    report.findings     # severity, where (XPath or line), what is wrong, rules (Citation: title, url, section, quote, scope)
    report.not_checked  # what the check could not judge: config leaves no document rules on, rules it cannot read
    report.passed       # what was checked and holds

The facts come from the build's facts table, restricted to the scope asked (by default the
main product of the documents: a firewall configuration is judged by the firewall pages,
never by Panorama's) and to the model's families (a fact scoped to other platforms does
not apply). Which kinds of fact are read and how is `doc_rules`; this module matches them
to the configuration. A finding is made only from a fact: no finding without a citation.

Severity: `error` when the configuration does what a document says is out of range, not
supported or required otherwise; `warning` when it leaves out what a document recommends,
or uses an interface the documents do not name for that link on that platform.

The configuration is never stored or logged: it lives in this call only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from hakb.errors import BadConfig, BadInput, NotFound, PayloadTooLarge
from hakb.ingest import lexicon
from hakb.ingest.models import Citation, Fact
from hakb.service.checks import doc_rules as rules
from hakb.service.checks.ha_config import ConfigFormat, HaConfig, LinkConfig, Setting
from hakb.service.scope_choice import ScopeChoice

if TYPE_CHECKING:  # the build's module imports Chroma: not needed to read a configuration
    from hakb.service.index import LoadedBuild

Severity = Literal["error", "warning"]
FormatChoice = Literal["auto", "xml", "text"]
MAX_CONFIG_CHARS_DEFAULT = 64_000
_LINK_SUBJECTS = frozenset(lexicon.LINKS)
# Longer numbers are not read: Python's int() refuses more than 4,300 digits, and a range
# check of a number no setting could hold would only echo it back.
_MAX_DIGITS = 18


class Finding(BaseModel):
    severity: Severity
    check: str = Field(
        description="range, not-supported, ports-differ, subnets-differ, needs-address, port-assigned, "
        "mode-needs-link, interface-kind, recommended"
    )
    where: str = Field(description="XPath of the element (XML) or 'line N' (text)")
    problem: str
    rules: list[Citation] = Field(min_length=1, description="the documented rules, quoted and cited")


class NotChecked(BaseModel):
    what: str
    where: str | None = None
    why: str
    rules: list[Citation] = Field(default_factory=list)


class Passed(BaseModel):
    what: str
    where: str | None = None
    rules: list[Citation] = Field(default_factory=list)


class CheckReport(BaseModel):
    model: str
    documented_as: list[str]
    scope: str = Field(description="the documents the configuration was checked against")
    format: ConfigFormat
    errors: int
    warnings: int
    findings: list[Finding]
    not_checked: list[NotChecked]
    passed: list[Passed]
    build_id: str


# -- entry point ------------------------------------------------------------------------


def check_config(
    build: LoadedBuild,
    text: str,
    model: str | None,
    scope: ScopeChoice | None = None,
    fmt: FormatChoice = "auto",
    max_chars: int = MAX_CONFIG_CHARS_DEFAULT,
) -> CheckReport:
    """`model` may be None only with a scope product that is no hardware (a CN-Series or
    VM-Series deployment): then only facts that name no platform apply."""
    if len(text) > max_chars:
        raise PayloadTooLarge(
            f"the configuration is {len(text):,} characters; at most {max_chars:,}: "
            "paste only the high-availability section"
        )
    config = parse_config(text, fmt)
    platforms: set[str] = set()
    canon, families = "", []
    if model is not None and model.strip():
        canon = lexicon.canonical_model(model) or model.strip()
        families = build.facts.resolve(canon)
        if not families:
            raise NotFound(
                f"no document names the model {model!r}; known families: {', '.join(build.facts.families())}",
                code="unknown_model",
                extra={"known": build.facts.families()},
            )
        platforms = {canon, *families}
    elif scope is None or scope.product is None:
        raise BadInput("give the firewall model (PA-3260), or a scope product without hardware (cn-series)")
    choice = scope or ScopeChoice()
    if choice.product is None and build.main_product:
        choice = dataclasses.replace(choice, product=build.main_product)
    asked = choice.resolve(build.scope_vocabulary)
    view = build.scoped(asked)
    checker = _Checker(config, view.facts.facts, platforms)
    checker.run()
    findings = checker.merged_findings()
    return CheckReport(
        model=canon or asked.label,
        documented_as=lexicon.shown_names(families, canon),
        scope=asked.label or "all documents",
        format=config.format,
        errors=sum(f.severity == "error" for f in findings),
        warnings=sum(f.severity == "warning" for f in findings),
        findings=findings,
        not_checked=checker.not_checked + checker.unread(),
        passed=checker.passed,
        build_id=build.build_id,
    )


def parse_config(text: str, fmt: FormatChoice = "auto") -> HaConfig:
    """XML or `show high-availability all` text; `auto` tells them apart by the first character."""
    from hakb.service.checks.ha_text import read_show_ha
    from hakb.service.checks.ha_xml import read_xml

    if not text.strip():
        raise BadConfig(
            "the configuration is empty: paste deviceconfig/high-availability or the output "
            "of `show high-availability all`"
        )
    if fmt == "xml" or (fmt == "auto" and text.lstrip().startswith("<")):
        return read_xml(text)
    return read_show_ha(text)


# -- the checks ---------------------------------------------------------------------------


def _names(platforms: Iterable[str]) -> set[str]:
    """'PA-3200 Series' also as 'PA-3200' (the documents write both)."""
    out = set()
    for p in platforms:
        out.add(p)
        out.add(re.sub(r"\s+Series$", "", p))
    return out


class _Checker:
    def __init__(self, config: HaConfig, facts: list[Fact], platforms: set[str]) -> None:
        self.config = config
        self.platforms = _names(platforms)
        self.all_facts = [f for f in facts if self._page_applies(f)]
        self.facts = [f for f in self.all_facts if not f.platforms or _names(f.platforms) & self.platforms]
        self.findings: list[Finding] = []
        self.not_checked: list[NotChecked] = []
        self.passed: list[Passed] = []

    def _page_applies(self, f: Fact) -> bool:
        pages = f.scope.platforms if f.scope else ()
        return not pages or bool(_names(pages) & self.platforms)  # no model: only platform-free pages

    def of(self, attributes: tuple[str, ...], links_only: bool = True) -> list[Fact]:
        """Applicable facts of these attributes, one per distinct sentence and subject."""
        seen: set[tuple[str, str, str]] = set()
        out = []
        for f in self.facts:
            if f.attribute not in attributes or (links_only and f.subject not in _LINK_SUBJECTS):
                continue
            key = (f.subject, f.value, f.quote)
            if key not in seen:
                seen.add(key)
                out.append(f)
        return out

    def run(self) -> None:
        self.check_ranges()
        self.check_not_supported()
        self.check_interface_kinds()
        self.check_requirements()
        self.check_recommendations()
        if self.config.mode is not None:
            self.config.mark_read(self.config.mode.where)
        if self.config.enabled is not None:
            self.config.mark_read(self.config.enabled.where)

    # -- findings and their bookkeeping

    def find(self, severity: Severity, check: str, where: str, problem: str, facts: Iterable[Fact]) -> None:
        cited = _citations(facts)
        if not cited:  # a finding is made from a documented rule or not at all
            return
        self.findings.append(Finding(severity=severity, check=check, where=where, problem=problem, rules=cited))

    def ok(self, what: str, where: str | None, facts: Iterable[Fact]) -> None:
        if not any(p.what == what and p.where == where for p in self.passed):
            self.passed.append(Passed(what=what, where=where, rules=_citations(facts)))

    def skip(self, what: str, why: str, facts: Iterable[Fact] = (), where: str | None = None) -> None:
        cited = _citations(facts)
        # One entry per sentence: "HA1, HA2 and HA3 are not supported ..." is one rule, not three.
        if cited and any(n.rules and n.rules[0].quote == cited[0].quote for n in self.not_checked):
            return
        self.not_checked.append(NotChecked(what=what, where=where, why=why, rules=cited))

    def merged_findings(self) -> list[Finding]:
        """One finding per check and place, citing every rule that found it."""
        merged: dict[tuple[str, str], Finding] = {}
        for f in self.findings:
            key = (f.check, f.where)
            if key in merged:
                have = merged[key]
                quotes = {c.quote for c in have.rules}
                have.rules.extend(c for c in f.rules if c.quote not in quotes)
            else:
                merged[key] = f.model_copy(deep=True)
        order = {"error": 0, "warning": 1}
        return sorted(merged.values(), key=lambda f: (order[f.severity], f.where))

    def unread(self) -> list[NotChecked]:
        """Every leaf of the configuration no check read: listed, never judged."""
        return [
            NotChecked(what="/".join(s.path), where=s.where, why="no documented rule was read for this setting")
            for s in self.config.settings
            if s.where not in self.config.read
        ]

    def link(self, name: str) -> LinkConfig | None:
        return self.config.link(name)

    # -- ranges

    def check_ranges(self) -> None:
        documented: dict[str, list[Fact]] = {}
        for f in self.facts:
            if f.attribute in ("range", "default"):
                documented.setdefault(rules.setting_key(f.subject), []).append(f)
        for s in self.config.settings:
            if not re.fullmatch(r"-?\d+", s.value):
                continue
            key = _setting_match(s, documented)
            if key is None:
                continue
            digits = len(s.value.lstrip("-"))
            if digits > _MAX_DIGITS:  # int() refuses these (and no setting is that long): listed, not judged
                self.config.mark_read(s.where)
                self.skip(s.name, f"its value is a number of {digits} digits, too long to read", where=s.where)
                continue
            ranges = [(f, r) for f in documented[key] if f.attribute == "range" and (r := rules.read_range(f))]
            self.config.mark_read(s.where)
            if not ranges:
                unread = [f for f in documented[key] if f.attribute == "range"]
                why = "its documented range could not be read" if unread else "the documents give no range for it"
                self.skip(f"{s.name} = {s.value}", why, unread or documented[key], where=s.where)
                continue
            self._check_range(s, ranges)

    def _check_range(self, s: Setting, ranges: list[tuple[Fact, rules.Range]]) -> None:
        value = int(s.value)
        outside: list[tuple[Fact, rules.Range]] = []
        inside: list[Fact] = []
        for f, r in ranges:
            scaled = _in_unit(value, s.unit, r.unit)
            if scaled is None:
                self.skip(f"{s.name} = {s.value} {s.unit or ''}".strip(), f"the range is in {r.unit}", [f], s.where)
                continue
            (inside.append(f) if r.low <= scaled <= r.high else outside.append((f, r)))
        name = ranges[0][0].subject
        shown = "; ".join(dict.fromkeys(r.text() for _, r in outside))
        unit = f" {s.unit}" if s.unit else ""
        if outside and not inside:
            self.find(
                "error",
                "range",
                s.where,
                f"{name} is {s.value}{unit}, outside its documented range ({shown})",
                [f for f, _ in outside],
            )
        elif outside:
            # Another applicable page (another version's) allows it: the documents differ, so
            # a warning naming whose range holds it and whose does not, never an error.
            allowed = "; ".join(dict.fromkeys(r.text() for f, r in ranges if f in inside))
            self.find(
                "warning",
                "range",
                s.where,
                f"{name} is {s.value}{unit}: within its documented range for {_versions(inside)} ({allowed}) "
                f"but outside it for {_versions([f for f, _ in outside])} ({shown})",
                [*inside, *(f for f, _ in outside)],
            )
        elif inside:
            self.ok(f"{name} = {s.value} is within its documented range", s.where, inside)

    # -- not supported

    def check_not_supported(self) -> None:
        for f in self.of(("not-supported",)):
            features, readable = rules.read_features(f)
            if not features or not readable:
                self.skip(f"{f.subject}: not supported {f.value}", "the configuration section cannot show this", [f])
                continue
            link = self.link(f.subject)
            if link is None:
                continue
            shown = [_feature_at(self.config, link, feature) for feature in features]
            if all(where is not None for where in shown):
                where = next(w for w in reversed(shown) if w)
                self.find(
                    "error",
                    "not-supported",
                    where,
                    f"{f.subject} uses {', '.join(_FEATURE_WORDS[x] for x in features)}, which the documents "
                    "say is not supported" + _on(f),
                    [f],
                )
            else:
                self.ok(f"{f.subject} does not use {', '.join(_FEATURE_WORDS[x] for x in features)}", link.where, [f])

    # -- interfaces named for a link on a platform

    def check_interface_kinds(self) -> None:
        can_use = [f for f in self.all_facts if f.attribute == "can-use" and f.subject in _LINK_SUBJECTS]
        for name, link in self.config.links.items():
            kind = link.kind
            if kind is None or link.port is None:
                continue
            facts = [f for f in can_use if f.subject == name]
            scoped = [f for f in facts if f.platforms]
            mine = [f for f in scoped if _names(f.platforms) & self.platforms]
            general = [f for f in facts if not f.platforms]
            my_kinds = {k for f in mine for k in rules.read_kinds(f.value)}
            restricted = [f for f in scoped if kind in rules.read_kinds(f.value)]
            self.config.mark_read(link.port.where)
            if kind in my_kinds:
                self.ok(
                    f"{name} on {link.port.value} ({kind})",
                    link.port.where,
                    [f for f in mine if kind in rules.read_kinds(f.value)],
                )
            elif my_kinds and restricted:
                named = " or ".join(_KIND_WORDS[k] for k in sorted(my_kinds))
                self.find(
                    "warning",
                    "interface-kind",
                    link.port.where,
                    f"{name} is on {link.port.value} ({_KIND_WORDS[kind]}); for {self._platform(mine)} the "
                    f"documents name {named} for {name}, and {_KIND_WORDS[kind]} only on other platforms",
                    [*mine, *restricted],
                )
            elif any(kind in rules.read_kinds(f.value) for f in general):
                self.ok(
                    f"{name} on {link.port.value} ({kind})",
                    link.port.where,
                    [f for f in general if kind in rules.read_kinds(f.value)],
                )
            elif facts:
                self.skip(
                    f"{name} on {link.port.value}",
                    f"the documents do not say whether {name} can use {_KIND_WORDS[kind]} on this platform",
                    where=link.port.where,
                )

    def _platform(self, facts: list[Fact]) -> str:
        for f in facts:
            for p in f.platforms:
                if p in self.platforms:
                    return p
        return "this platform"

    # -- requirements

    def check_requirements(self) -> None:
        seen: set[str] = set()
        for f in self.of(("requires", "required-in")):
            shape = rules.read_requirement(f)
            if shape is None:
                if f.quote not in seen:
                    self.skip(f"{f.subject} requires {f.value}", "the check cannot read this requirement", [f])
                seen.add(f.quote)
                continue
            key = f"{type(shape).__name__}:{f.quote}"
            if key in seen and not isinstance(shape, (rules.NeedsAddress, rules.ModeNeedsLink)):
                continue
            seen.add(key)
            self._requirement(f, shape)

    def _requirement(self, f: Fact, shape: rules.Shape) -> None:
        if isinstance(shape, rules.PortsDiffer):
            self._ports_differ(f, shape)
        elif isinstance(shape, rules.SubnetsDiffer):
            self._subnets_differ(f, shape)
        elif isinstance(shape, rules.NeedsAddress):
            link = self.link(shape.link)
            if link is None or link.kind == "management":
                return  # the management port's address is in deviceconfig/system, not here
            if link.ip is None:
                self.find("error", "needs-address", link.where, f"{shape.link} has no IP address", [f])
            else:
                self.config.mark_read(link.ip.where)
                self.ok(f"{shape.link} has an IP address", link.ip.where, [f])
        elif isinstance(shape, rules.PortAssigned):
            self._port_assigned(f, shape)
        elif isinstance(shape, rules.ModeNeedsLink):
            if self.config.mode_name != shape.mode or self.config.mode is None:
                return
            if self.link(shape.link) is None:
                self.find(
                    "error",
                    "mode-needs-link",
                    self.config.mode.where,
                    f"{shape.mode} mode without an {shape.link} link",
                    [f],
                )
            else:
                self.ok(f"{shape.mode} has its {shape.link} link", self.config.mode.where, [f])

    def _ports_differ(self, f: Fact, shape: rules.PortsDiffer) -> None:
        used: dict[str, str] = {}
        for name in shape.links:
            link = self.link(name)
            if link is None or link.port is None:
                continue
            self.config.mark_read(link.port.where)
            port = link.port.value.strip().lower()
            if port in used:
                self.find(
                    "error",
                    "ports-differ",
                    link.port.where,
                    f"{name} and {used[port]} are both on {link.port.value}",
                    [f],
                )
                return
            used[port] = name
        if len(used) >= 2:
            self.ok(f"{' and '.join(used.values())} are on separate ports", None, [f])

    def _subnets_differ(self, f: Fact, shape: rules.SubnetsDiffer) -> None:
        for first, second in shape.pairs:
            a, b = self.link(first), self.link(second)
            if a is None or b is None or a.network is None or b.network is None:
                continue
            for link in (a, b):
                for located in (link.ip, link.netmask):
                    if located is not None:
                        self.config.mark_read(located.where)
            assert b.ip is not None  # a network was read from it
            if a.network.version == b.network.version and a.network.overlaps(b.network):
                self.find(
                    "error",
                    "subnets-differ",
                    b.ip.where,
                    f"{second} ({b.network}) and {first} ({a.network}) are in overlapping subnets",
                    [f],
                )
            else:
                self.ok(f"{second} and {first} are in separate subnets", b.ip.where, [f])

    def _port_assigned(self, f: Fact, shape: rules.PortAssigned) -> None:
        if not f.platforms and not (f.scope and f.scope.deployment):
            self.skip(
                f"{', '.join(shape.links)} on {shape.port}",
                "this sentence names a port but not the platforms it holds for",
                [f],
            )
            return
        for name in shape.links:
            link = self.link(name)
            if link is None or link.port is None:
                continue
            self.config.mark_read(link.port.where)
            if link.port.value.strip().lower() != shape.port.lower():
                self.find(
                    "error",
                    "port-assigned",
                    link.port.where,
                    f"{name} is on {link.port.value}; the documents require {shape.port}" + _on(f),
                    [f],
                )
            else:
                self.ok(f"{name} is on {link.port.value}", link.port.where, [f])

    # -- recommendations

    def check_recommendations(self) -> None:
        seen: set[str] = set()
        not_supported = self.of(("not-supported",))
        for f in self.of(("recommended",)):
            if f.quote in seen:
                continue
            seen.add(f.quote)
            shape = rules.read_recommendation(f)
            if shape is None:
                self.skip(f"{f.subject}: recommended {f.value}", "the check cannot read this recommendation", [f])
            elif isinstance(shape, rules.EnableWhen):
                self._enable_when(f, shape)
            elif isinstance(shape, rules.PortsNamed):
                self._ports_named(f, shape)
            elif isinstance(shape, rules.KindForLink):
                self._kind_for_link(f, shape)
            elif isinstance(shape, rules.FeatureOn):
                link = self.link(shape.link)
                ruled_out = [
                    n for n in not_supported if n.subject == shape.link and shape.feature in rules.read_features(n)[0]
                ]
                if link is None or ruled_out:
                    continue
                if link.encryption is not None:
                    self.config.mark_read(link.encryption.where)
                if link.encrypted:
                    self.ok(
                        f"{shape.link} uses {_FEATURE_WORDS[shape.feature]}",
                        link.encryption.where if link.encryption else None,
                        [f],
                    )
                else:
                    where = link.encryption.where if link.encryption else link.where
                    self.find(
                        "warning",
                        "recommended",
                        where,
                        f"{shape.link} does not use {_FEATURE_WORDS[shape.feature]}, which the documents recommend",
                        [f],
                    )

    def _enabled(self, name: str) -> tuple[bool, str]:
        if name == "heartbeat-backup":
            hb = self.config.heartbeat_backup
            if hb is not None:
                self.config.mark_read(hb.where)
                return hb.value.strip().lower() == "yes", hb.where
            return False, self._where("group/election-option")
        link = self.link(name)
        return link is not None, link.where if link else self._interfaces()

    def _where(self, xpath: str) -> str:
        """Where something missing would go: its parent's XPath, or the whole text."""
        return f"{self.config.root}/{xpath}" if self.config.format == "xml" else self.config.root

    def _interfaces(self) -> str:
        return self._where("interface")

    def _enable_when(self, f: Fact, shape: rules.EnableWhen) -> None:
        if shape.kind is not None:
            using = [n for n in shape.links if (link := self.link(n)) is not None and link.kind == shape.kind]
            if not using:
                return  # the condition does not hold: nothing is recommended
            reason = f" ({' and '.join(using)} on {_KIND_WORDS[shape.kind]})"
        else:
            reason = ""
        enabled, where = self._enabled(shape.link)
        if enabled:
            self.ok(f"{shape.link} is enabled{reason}", where, [f])
        else:
            self.find(
                "warning",
                "recommended",
                where,
                f"{shape.link} is not enabled{reason}, which the documents recommend",
                [f],
            )

    def _ports_named(self, f: Fact, shape: rules.PortsNamed) -> None:
        ports = {link.port.value.strip().lower(): name for name, link in self.config.links.items() if link.port}
        missing = [p for p in shape.ports if p not in ports]
        if missing:
            self.find(
                "warning",
                "recommended",
                self._interfaces(),
                f"no HA link is on {', '.join(p.upper() for p in missing)}, which the documents recommend "
                "connecting and configuring" + _on(f),
                [f],
            )
        else:
            self.ok(f"{', '.join(p.upper() for p in shape.ports)} are configured", None, [f])

    def _kind_for_link(self, f: Fact, shape: rules.KindForLink) -> None:
        for kind, name in shape.pairs:
            link = self.link(name)
            if link is None:
                self.find(
                    "warning",
                    "recommended",
                    self._interfaces(),
                    f"no {name} link; the documents recommend one on {_KIND_WORDS[kind]}" + _on(f),
                    [f],
                )
            elif link.kind != kind and link.port is not None:
                self.config.mark_read(link.port.where)
                self.find(
                    "warning",
                    "recommended",
                    link.port.where,
                    f"{name} is on {link.port.value}; the documents recommend {_KIND_WORDS[kind]}" + _on(f),
                    [f],
                )
            elif link.port is not None:
                self.ok(f"{name} is on {_KIND_WORDS[kind]}", link.port.where, [f])


# -- helpers -------------------------------------------------------------------------------

_FEATURE_WORDS = {
    "backup": "a backup link",
    "encryption": "encryption",
    "ipv6": "an IPv6 address",
    "management": "the management port",
    "data-port": "a data port",
    "layer3": "a Layer 3 address",
}
_KIND_WORDS = {
    "aggregate": "an aggregate interface",
    "hsci": "the HSCI port",
    "management": "the management port",
    "dedicated": "a dedicated HA port",
    "data": "a data port",
}


def _feature_at(config: HaConfig, link: LinkConfig, feature: str) -> str | None:
    """Where the configuration shows `feature` on `link`; None when it does not."""
    if feature == "backup":
        backup = config.link(f"{link.link}-backup")
        return backup.where if backup is not None else None
    if feature == "encryption":
        return link.encryption.where if link.encrypted and link.encryption else None
    if feature == "ipv6":
        return link.ip.where if link.is_ipv6 and link.ip else None
    if feature == "management":
        return link.port.where if link.kind == "management" and link.port else None
    if feature == "data-port":
        return link.port.where if link.kind == "data" and link.port else None
    if feature == "layer3":
        return link.ip.where if link.ip else None
    return None


def _versions(facts: Iterable[Fact]) -> str:
    """Which versions' pages these facts come from, as the documents label them."""
    labels: list[str] = []
    for f in facts:
        versions = f.scope.versions if f.scope and f.scope.versions else (f.version,) if f.version else ()
        if versions:
            labels.append("version " + ", ".join(versions))
        else:
            labels.append("the latest version" if f.scope and f.scope.latest else f"'{f.title}'")
    return " and ".join(dict.fromkeys(labels))


def _on(f: Fact) -> str:
    return f" on {', '.join(f.platforms)}" if f.platforms else ""


def _in_unit(value: int, unit: str | None, wanted: str | None) -> int | None:
    """`value` (in `unit`) in the range's unit; a value without a unit is read in the range's
    unit (the schema stores each timer in the unit its dialog shows)."""
    if unit is None or wanted is None or unit == wanted:
        return value
    if unit in rules.UNIT_MS and wanted in rules.UNIT_MS:
        return value * rules.UNIT_MS[unit] // rules.UNIT_MS[wanted]
    return None


def _setting_match(s: Setting, documented: dict[str, list[Fact]]) -> str | None:
    """The documented setting a leaf is: its name with as many of its parents as match
    ('ha2-keep-alive/threshold' is the HA2 Keep-alive Threshold), longest first."""
    words = [p for p in s.path if not p.startswith("entry[")]
    for size in range(min(3, len(words)), 0, -1):
        key = rules.setting_key(" ".join(words[-size:]))
        if key in documented:
            return key
    return None


def _citations(facts: Iterable[Fact]) -> list[Citation]:
    out: list[Citation] = []
    seen: set[str] = set()
    for f in facts:
        if f.quote not in seen:
            seen.add(f.quote)
            out.append(f.citation)
    return out


def render_text(report: CheckReport, *, not_checked: bool = False) -> str:
    """The report as a person reads it in a terminal or a ticket: each finding with its
    place, what is wrong and the rule quoted; then how much was checked."""
    family = f" ({', '.join(report.documented_as)})" if report.documented_as else ""
    lines = [
        f"{report.model}{family}, checked against {report.scope}: "
        f"{report.errors} error(s), {report.warnings} warning(s)."
    ]
    for f in report.findings:
        lines.append(f"{f.severity.upper()} {f.where}")
        lines.append(f"  {f.problem}")
        for c in f.rules:
            scope = f" [{c.scope_label}]" if c.scope_label else ""
            lines.append(f'    "{c.quote}" ({c.title} > {c.section.split(" > ")[-1]}){scope} <{c.url or c.doc_id}>')
    lines.append(f"{len(report.passed)} checks passed; {len(report.not_checked)} items not checked.")
    if not_checked:
        for n in report.not_checked:
            where = f" ({n.where})" if n.where else ""
            lines.append(f"NOT CHECKED {n.what}{where}: {n.why}")
    return "\n".join(lines) + "\n"
