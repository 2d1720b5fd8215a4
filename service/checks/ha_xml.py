"""Read the `high-availability` section of a PAN-OS running config (XML) into an `HaConfig`.

Parsed with defusedxml (`forbid_dtd`, `forbid_entities`, `forbid_external`): a document
type declaration, an entity or an external reference is refused before anything is
expanded or fetched (billion laughs, XXE), and a size limit is checked before parsing.
pan-os-python's `HighAvailability` objects were the model for the paths (PAN-OS 8.1 and
later: `group/group-id`, `group/mode/<mode>`, `interface/ha1`, ...); the library itself is
not used because it parses with the standard library's XML reader, which expands
entities, and it needs a device object to hold the section.

Accepted roots: `<high-availability>` itself, `<deviceconfig>`, the XML API's
`<response><result>...`, or a whole `<config>`: the first `high-availability` element
under `deviceconfig` (or anywhere, when there is no `deviceconfig`) is read.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from hakb.errors import BadConfig, HostileConfig
from hakb.service.checks.ha_config import LINK_ELEMENTS, HaConfig, LinkConfig, Located, Setting

ROOT = "deviceconfig/high-availability"
MAX_DEPTH = 16  # the schema's deepest HA leaves are about 8 below the section


def read_xml(text: str) -> HaConfig:
    """The section's links, mode, heartbeat backup and every leaf; BadConfig (with line
    and column) when the XML is malformed, HostileConfig for DTDs and entities."""
    try:
        tree = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise HostileConfig(
            "the XML declares a document type, entities or external references; "
            "hakb reads none of them: paste the high-availability section without a <!DOCTYPE>",
            code="config_refused",
            extra={"reason": type(exc).__name__},
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise BadConfig(
            f"the XML is not well-formed at line {line}, column {column}: {_reason(exc)}",
            code="malformed_xml",
            extra={"line": line, "column": column},
        ) from None
    section = _section(tree)
    if section is None:
        raise BadConfig(
            "no <high-availability> element in this XML: paste deviceconfig/high-availability "
            "(`show config running xpath devices/entry/deviceconfig/high-availability`)",
            code="no_ha_section",
        )
    return _read(section)


def _reason(exc: ParseError) -> str:
    # "not well-formed (invalid token): line 3, column 4" -> "not well-formed (invalid token)"
    return str(exc).split(": line ")[0]


def _section(tree: Element) -> Element | None:
    if tree.tag == "high-availability":
        return tree
    found = tree.find(".//deviceconfig/high-availability")
    return found if found is not None else tree.find(".//high-availability")


def _read(section: Element) -> HaConfig:
    config = HaConfig(format="xml", root=ROOT)
    for path, element in _leaves(section):
        where = "/".join((ROOT, *path))
        config.settings.append(Setting(path=path, value=(element.text or "").strip(), where=where))
    by_path = {s.path: s for s in config.settings}

    def located(*path: str) -> Located | None:
        s = by_path.get(path)
        return Located(s.value, s.where) if s is not None else None

    config.enabled = located("enabled")
    modes = section.find("group/mode")
    if modes is not None and len(modes):
        mode = modes[0]
        config.mode = Located(mode.tag, f"{ROOT}/group/mode/{mode.tag}")
    config.heartbeat_backup = located("group", "election-option", "heartbeat-backup")
    interfaces = section.find("interface")
    for element in interfaces if interfaces is not None else ():
        link = LINK_ELEMENTS.get(element.tag)
        if link is None:
            continue
        base = ("interface", element.tag)
        config.links[link] = LinkConfig(
            link=link,
            where=f"{ROOT}/interface/{element.tag}",
            port=located(*base, "port"),
            ip=located(*base, "ip-address"),
            netmask=located(*base, "netmask"),
            encryption=located(*base, "encryption", "enabled"),
        )
    return config


def _leaves(section: Element) -> list[tuple[tuple[str, ...], Element]]:
    """Every element without children, with its path below the section, in document order.
    A list entry (`<entry name="x">`) keeps its name in the path, as XPath writes it.
    Walked without recursion, and no deeper than any HA configuration goes."""
    parents = {id(child): parent for parent in section.iter() for child in parent}
    out: list[tuple[tuple[str, ...], Element]] = []
    for element in section.iter():
        if element is section or len(element) or not isinstance(element.tag, str):
            continue
        path: list[str] = []
        node = element
        while node is not section:
            if len(path) >= MAX_DEPTH:
                raise BadConfig(
                    f"the XML nests deeper than {MAX_DEPTH} levels below high-availability; no HA configuration does",
                    code="too_deep",
                )
            name = node.tag
            if name == "entry" and node.get("name"):
                name = f"entry[@name={_literal(node.get('name') or '')}]"
            path.append(name)
            node = parents[id(node)]
        out.append((tuple(reversed(path)), element))
    return out


def _literal(value: str) -> str:
    """`value` as an XPath 1.0 string literal: quoted with whichever quote it lacks, and
    with concat() when it has both (XPath 1.0 has no escape inside a literal)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts = value.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"
