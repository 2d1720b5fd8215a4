"""A PAN-OS HA configuration as the check reads it, whatever it was pasted as.

Two readers fill the same `HaConfig`: `ha_xml.read_xml` (the `high-availability` section
of a running config, as the XML API and `show config running` give it) and
`ha_text.read_show_ha` (the text of `show high-availability all`). The check
(`config_check`) judges only what is here; every value keeps where it was read
(an XPath or a line), so a finding can point at it.

Names follow the PAN-OS schema (`deviceconfig/high-availability`): links are the
documents' link names (`HA1`, `HA1-backup`, ... as in `hakb.ingest.lexicon.LINKS`),
settings are the schema's leaf names with their parents (`election-option/timers/
advanced/hello-interval`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Literal

ConfigFormat = Literal["xml", "text"]
Mode = Literal["active-passive", "active-active"]

# The schema's element under `interface` for each link the documents name.
LINK_ELEMENTS: dict[str, str] = {
    "ha1": "HA1",
    "ha1-backup": "HA1-backup",
    "ha2": "HA2",
    "ha2-backup": "HA2-backup",
    "ha3": "HA3",
    "ha4": "HA4",
    "ha4-backup": "HA4-backup",
}

# What kind of interface a port name is, and the words the documents use for that kind.
# Reading a port name is parsing the configuration, not judging it: the rules come from
# the facts table (`doc_rules`).
PortKind = Literal["aggregate", "hsci", "management", "dedicated", "data"]
_PORT_KINDS: list[tuple[re.Pattern[str], PortKind]] = [
    (re.compile(r"^ae\d+$", re.I), "aggregate"),
    (re.compile(r"^hsci(?:-[ab])?$", re.I), "hsci"),
    (re.compile(r"^(?:management|mgt|mgmt)$", re.I), "management"),
    (re.compile(r"^(?:dedicated-ha\d|ha\d-[ab]|aux-\d)$", re.I), "dedicated"),
    (re.compile(r"^ethernet\d+/\d+(?:\.\d+)?$", re.I), "data"),
]


def port_kind(port: str | None) -> PortKind | None:
    if not port:
        return None
    for pattern, kind in _PORT_KINDS:
        if pattern.match(port.strip()):
            return kind
    return None


@dataclass(frozen=True)
class Located:
    """A value and where it was read: an XPath (XML) or `line N` (text)."""

    value: str
    where: str


@dataclass
class LinkConfig:
    link: str  # "HA1", "HA1-backup", ...
    where: str  # the link's element or section
    port: Located | None = None
    ip: Located | None = None
    netmask: Located | None = None
    encryption: Located | None = None  # "yes" / "no"

    @property
    def kind(self) -> PortKind | None:
        return port_kind(self.port.value if self.port else None)

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        """The link's subnet from its address and netmask (or a /prefix on the address)."""
        if self.ip is None:
            return None
        text = self.ip.value.strip()
        if "/" not in text and self.netmask is not None:
            text = f"{text}/{self.netmask.value.strip()}"
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            return None

    @property
    def is_ipv6(self) -> bool:
        return self.ip is not None and ":" in self.ip.value

    @property
    def encrypted(self) -> bool:
        return self.encryption is not None and self.encryption.value.strip().lower() == "yes"


@dataclass(frozen=True)
class Setting:
    """A leaf value of the section: `path` is the schema path below `high-availability`
    (("group", "election-option", "timers", "advanced", "hello-interval"))."""

    path: tuple[str, ...]
    value: str
    where: str
    unit: str | None = None  # when the text says it ("8000 ms"); XML leaves carry none

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else ""


@dataclass
class HaConfig:
    format: ConfigFormat
    root: str  # what `where` is relative to: "deviceconfig/high-availability" or "show high-availability all"
    enabled: Located | None = None
    mode: Located | None = None  # "active-passive" / "active-active"
    links: dict[str, LinkConfig] = field(default_factory=dict)
    heartbeat_backup: Located | None = None  # "yes" / "no"
    settings: list[Setting] = field(default_factory=list)  # every leaf read, links' leaves included
    # Leaves the check reads; the others are listed as not checked.
    read: set[str] = field(default_factory=set)

    @property
    def mode_name(self) -> Mode | None:
        if self.mode is None:
            return None
        value = self.mode.value.strip().lower().replace("/", "-").replace("_", "-")
        if value in ("active-passive", "active-active"):
            return value  # type: ignore[return-value]  # checked just above
        return None

    def link(self, name: str) -> LinkConfig | None:
        return self.links.get(name)

    def mark_read(self, where: str | None) -> None:
        if where:
            self.read.add(where)
