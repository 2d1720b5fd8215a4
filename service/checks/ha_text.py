"""Read the text of `show high-availability all` into an `HaConfig`.

Two TextFSM templates read it. ntc-templates' own `paloalto_panos` template for
`show high-availability all` gives the group and the mode (and the state, priority and
sync flags, which a configuration check does not need); it stops there: it reads no
interface, address, backup link or timer. So a small template of ours
(`LOCAL_TEMPLATE`) reads every `Key: value` line of the local firewall's part (`Local
Information`, up to `Peer Information`), with the section heading it sits under; the
labels are then mapped to the schema's names (`LABELS`, `LINK_KEYS`) so that the
check reads the text and the XML the same way. Every value keeps its line number.
"""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

from hakb.errors import BadConfig
from hakb.ingest import lexicon
from hakb.service.checks.ha_config import HaConfig, LinkConfig, Located, Setting

ROOT = "show high-availability all"

# Every "Key: value" line of the local part, with its indent and the heading above it.
LOCAL_TEMPLATE = r"""Value Filldown SECTION (\S.*?)
Value INDENT (\s+)
Value KEY (\S.*?)
Value VALUE (\S.*?)

Start
  ^\s+Local\s+Information:\s*$$ -> Local

Local
  ^\s+Peer\s+Information:\s*$$ -> End
  ^\s{4}${SECTION}:\s*$$
  ^${INDENT}${KEY}\s*:\s+${VALUE}\s*$$ -> Record
"""

# Labels of the election and mode sections -> the schema's path below high-availability.
LABELS: dict[str, tuple[str, ...]] = {
    "priority": ("group", "election-option", "device-priority"),
    "preemptive": ("group", "election-option", "preemptive"),
    "heartbeat backup": ("group", "election-option", "heartbeat-backup"),
    "promotion hold interval": ("group", "election-option", "timers", "advanced", "promotion-hold-time"),
    "hello message interval": ("group", "election-option", "timers", "advanced", "hello-interval"),
    "heartbeat ping interval": ("group", "election-option", "timers", "advanced", "heartbeat-interval"),
    "max # of flaps": ("group", "election-option", "timers", "advanced", "flap-max"),
    "preemption hold interval": ("group", "election-option", "timers", "advanced", "preemption-hold-time"),
    "monitor fail hold up interval": ("group", "election-option", "timers", "advanced", "monitor-fail-hold-up-time"),
    "addon master hold up interval": (
        "group",
        "election-option",
        "timers",
        "advanced",
        "additional-master-hold-up-time",
    ),
    "monitor fail hold down interval": ("group", "mode", "active-passive", "monitor-fail-hold-down-time"),
    "passive link state": ("group", "mode", "active-passive", "passive-link-state"),
    "tentative hold time": ("group", "mode", "active-active", "tentative-hold-time"),
    "device id": ("group", "mode", "active-active", "device-id"),
}
# Labels inside a link's section -> the link element's leaf.
LINK_KEYS: dict[str, tuple[str, ...]] = {
    "interface": ("port",),
    "ip address": ("ip-address",),
    "encryption enabled": ("encryption", "enabled"),
    "link monitor interval": ("monitor-hold-time",),
}
_LINK_ELEMENT = {
    "HA1": "ha1",
    "HA1-backup": "ha1-backup",
    "HA2": "ha2",
    "HA2-backup": "ha2-backup",
    "HA3": "ha3",
    "HA4": "ha4",
    "HA4-backup": "ha4-backup",
}
_GROUP = re.compile(r"^Group\s+(\d+)\s*:", re.M)
_VALUE_UNIT = re.compile(r"^(-?\d[\d,]*)\s*(ms|sec|s|min)?$", re.I)
_TEXT_LOOKS_LIKE = re.compile(r"^\s*(?:Group\s+\d+\s*:|Local\s+Information:)", re.M)


def looks_like_show_output(text: str) -> bool:
    return bool(_TEXT_LOOKS_LIKE.search(text))


@cache
def _ntc_parse() -> Any:
    # ntc-templates imports TextFSM's CliTable and reads its index: only when text is pasted.
    from ntc_templates.parse import parse_output

    return parse_output


def read_show_ha(text: str) -> HaConfig:
    import textfsm

    try:
        ntc = _ntc_parse()(platform="paloalto_panos", command="show high-availability all", data=text)
        local = textfsm.TextFSM(io.StringIO(LOCAL_TEMPLATE)).ParseText(text)
    except textfsm.TextFSMError as exc:
        raise BadConfig(f"the text could not be read as `show high-availability all`: {exc}") from None
    if not local and not ntc:
        raise BadConfig(
            "this is neither XML nor the output of `show high-availability all` (no 'Local Information:' "
            "section): paste deviceconfig/high-availability as XML or the command's whole output",
            code="unknown_config_format",
        )
    lines = text.splitlines()
    config = HaConfig(format="text", root=ROOT)
    # ntc-templates' record gives the group and the mode; the line is found for the finding.
    first = ntc[0] if ntc else {}
    group = _GROUP.search(text)
    group_id = str(first.get("group") or (group.group(1) if group else ""))
    if group_id:
        where = f"line {text.count(chr(10), 0, group.start()) + 1}" if group else ROOT
        config.settings.append(Setting(path=("group", "group-id"), value=group_id, where=where))
    if first.get("mode"):
        mode_line = re.search(rf"^\s*Mode:\s*{re.escape(str(first['mode']))}\s*$", text, re.M)
        where = f"line {text.count(chr(10), 0, mode_line.start()) + 1}" if mode_line else ROOT
        config.mode = Located(str(first["mode"]).lower(), where)
    cursor = 0
    for section, indent, key, value in local:
        cursor, where = _line_of(lines, cursor, key, value)
        label = key.strip().lower()
        if len(indent) <= 4:
            if label == "mode" and config.mode is None:
                config.mode = Located(value.strip().lower(), where)
            continue
        link = _link_of(section)
        if link is not None:
            _read_link_line(config, link, label, value, where)
            continue
        path = LABELS.get(label)
        if path is None:
            path = ("show", section.strip().lower(), label)  # kept, listed as not checked
        number, unit = _split_unit(value)
        config.settings.append(Setting(path=path, value=number, where=where, unit=unit))
    for s in config.settings:
        if s.path == ("group", "election-option", "heartbeat-backup"):
            config.heartbeat_backup = Located(s.value, s.where)
    return config


def _link_of(section: str) -> str | None:
    links = lexicon.links_in(section)
    # "HA1 Backup Control Link Information" names the backup twice over (HA1 backup, backup
    # control link) and the lexicon reads HA1 in it too: the backup is meant.
    backups = [link for link in links if link.endswith("-backup")]
    if len(backups) == 1 and set(links) <= {backups[0], backups[0].removesuffix("-backup")}:
        return backups[0]
    return links[0] if len(links) == 1 and links[0] in _LINK_ELEMENT else None


def _read_link_line(config: HaConfig, link: str, label: str, value: str, where: str) -> None:
    element = _LINK_ELEMENT[link]
    entry = config.links.get(link)
    leaf = LINK_KEYS.get(label)
    if leaf is None:
        config.settings.append(Setting(path=("interface", element, label), value=value.strip(), where=where))
        return
    if entry is None:
        # Its port or address, or the joint configuration (encryption, monitor interval) of a
        # link whose own section follows: either opens the link's entry here.
        entry = config.links.setdefault(link, LinkConfig(link=link, where=where))
    number, unit = _split_unit(value)
    config.settings.append(Setting(path=("interface", element, *leaf), value=number, where=where, unit=unit))
    located = Located(value.strip(), where)
    if leaf == ("port",):
        entry.port = located
    elif leaf == ("ip-address",):
        entry.ip = located
    elif leaf == ("encryption", "enabled"):
        entry.encryption = located


def _split_unit(value: str) -> tuple[str, str | None]:
    text = value.strip()
    m = _VALUE_UNIT.match(text)
    if m is None:
        return text, None
    unit = (m.group(2) or "").lower() or None
    return m.group(1), {"s": "sec"}.get(unit or "", unit)


def _line_of(lines: list[str], start: int, key: str, value: str) -> tuple[int, str]:
    """The first line from `start` that holds `key: value` (TextFSM gives no line numbers)."""
    pattern = re.compile(rf"^\s*{re.escape(key.strip())}\s*:\s*{re.escape(value.strip())}\s*$")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1, f"line {i + 1}"
    return start, "line ?"
