"""Example bodies for the OpenAPI schema: one per route, as the bundled seed document
(data/docs/ha-links-and-backup-links.txt) answers them. Documentation only: no answer
is ever built from these (the routes answer from the current build)."""

from __future__ import annotations

from typing import Any

_URL = "https://docs.paloaltonetworks.com/ngfw/administration/high-availability/ha-links-and-backup-links"
_SCOPE: dict[str, Any] = {
    "product": "ngfw",
    "product_name": "Next-Generation Firewall",
    "deployment": None,
    "deployment_name": None,
    "versions": [],
    "since": "11.1",
    "latest": False,
    "doc_type": "admin-guide",
    "platforms": [],
}
_LABEL = "Next-Generation Firewall · PAN-OS 11.1 & later · admin guide"
_BUILD = "b20261201T030642970695-28727"
_HA1_QUOTE = (
    "Ports used for HA1—TCP port 28769 and 28260 for clear text communication; "
    "port 28 for encrypted communication (SSH over TCP)."
)
_SOURCE: dict[str, Any] = {
    "doc_id": "ha-links-and-backup-links",
    "title": "HA Links and Backup Links",
    "url": _URL,
    "version": "PAN-OS 11.1 & Later",
    "scope": _SCOPE,
}


def json(example: Any) -> dict[str, Any]:
    """An OpenAPI `content` entry holding one example."""
    return {"application/json": {"example": example}}


FACT: dict[str, Any] = {
    "subject": "HA2",
    "attribute": "ethertype",
    "value": "0x7261",
    "qualifier": "default",
    "protocol": None,
    "platforms": [],
    **_SOURCE,
    "section": "HA Links and Backup Links > Data Link",
    "quote": "The HA2 link is a Layer 2 link, and it uses ether type 0x7261 by default.",
    "conflict": False,
    "subject_from": "quote",
}

FACTS: dict[str, Any] = {"count": 1, "facts": [FACT], "next_cursor": None}

PORTS: dict[str, Any] = {
    "count": 31,
    "ports": [
        {
            "port": "28769",
            "protocol": "TCP",
            "link": "HA1",
            "qualifier": "clear text",
            "purpose": _HA1_QUOTE,
            "source": {
                **_SOURCE,
                "section": "HA Links and Backup Links > Control Link",
                "quote": _HA1_QUOTE,
                "scope_label": _LABEL,
            },
            "conflict": False,
        }
    ],
    "next_cursor": "1.3f2a9c0d1b7e",
}

_HA3_QUOTE = (
    "On PA-800 Series, PA-3200 Series, PA-3400 Series, PA-5200 Series, and PA-5400 Series firewalls, "
    "you can configure aggregate interfaces as an HA3 link."
)
PLATFORM: dict[str, Any] = {
    "model": "PA-3260",
    "documented_as": ["PA-3200 Series"],
    "count": 1,
    "facts": [
        {
            "subject": "HA3",
            "attribute": "can-use",
            "value": "aggregate interfaces",
            "qualifier": None,
            "protocol": None,
            "platforms": ["PA-800 Series", "PA-3200 Series", "PA-3400 Series", "PA-5200 Series", "PA-5400 Series"],
            **_SOURCE,
            "section": "HA Links and Backup Links > Packet-Forwarding Link",
            "quote": _HA3_QUOTE,
            "conflict": False,
            "subject_from": "quote",
        }
    ],
}

SEARCH: dict[str, Any] = {
    "query": "heartbeat backup",
    "build_id": _BUILD,
    "count": 1,
    "passages": [
        {
            "rank": 1,
            "score": 0.0325,
            "dense": 0.61,
            "keyword": 7.9,
            "chunk_id": "ha-links-and-backup-links:7",
            "doc_id": "ha-links-and-backup-links",
            "title": "HA Links and Backup Links",
            "url": _URL,
            "section": "HA Links and Backup Links > Heartbeat Backup",
            "text": "If you use an in-band port for the HA1 or HA1 backup links, ...",
            "version": "PAN-OS 11.1 & Later",
            "scope": _SCOPE,
            "scope_label": _LABEL,
        }
    ],
}

DOCUMENTS: dict[str, Any] = {
    "build_id": _BUILD,
    "count": 1,
    "documents": [
        {
            "doc_id": "ha-links-and-backup-links",
            "title": "HA Links and Backup Links",
            "url": _URL,
            "version": "PAN-OS 11.1 & Later",
            "kind": "text",
            "scope": _SCOPE,
            "scope_label": _LABEL,
            "build_id": _BUILD,
            "facts": 82,
            "chunks": 14,
        }
    ],
    "next_cursor": None,
}

ANSWER: dict[str, Any] = {
    "question": "what port does ha1 use?",
    "answer": "HA1 port: TCP 28769, 28260 (clear text); TCP 28 (encrypted).",
    "kind": "fact",
    "confidence": 0.93,
    "facts": [],
    "citations": [
        {
            **_SOURCE,
            "section": "HA Links and Backup Links > Control Link",
            "quote": _HA1_QUOTE,
            "scope_label": _LABEL,
        }
    ],
    "conflicts": [],
    "verdict": None,
    "score": 0.93,
    "looked_for": None,
    "build_id": _BUILD,
    "timing_ms": 4.2,
}

SCOPES: dict[str, Any] = {
    "build_id": _BUILD,
    "products": [{"value": "ngfw", "label": "Next-Generation Firewall"}],
    "deployments": [],
    "versions": [{"value": "11.1", "label": "PAN-OS 11.1 & later"}],
    "scopes": [
        {
            "product": "ngfw",
            "product_name": "Next-Generation Firewall",
            "deployment": None,
            "deployment_name": None,
            "versions": "PAN-OS 11.1 & later",
            "label": "Next-Generation Firewall (PAN-OS 11.1 & later)",
        }
    ],
}


def _side(value: str, version: str) -> dict[str, Any]:
    url = (
        f"https://docs.paloaltonetworks.com/pan-os/{version.replace('.', '-')}/pan-os-admin/high-availability/ha-links"
    )
    scope = {**_SCOPE, "versions": [version], "since": None}
    return {
        "value": value,
        "protocol": "UDP",
        "citation": {
            "doc_id": f"ha-links-{version}",
            "title": "HA Links and Ports",
            "url": url,
            "section": "HA Links and Ports",
            "quote": f"HA2 with UDP transport uses port {value}.",
            "version": f"PAN-OS {version}",
            "scope": scope,
            "scope_label": f"Next-Generation Firewall · PAN-OS {version} · admin guide",
        },
    }


# As the pages of tests/fixtures/changes answer `?subject=HA2&from=10.1&to=11.1`.
CHANGES: dict[str, Any] = {
    "subject": "HA2",
    "product": None,
    "from_version": "10.1",
    "to_version": "11.1",
    "added": [],
    "removed": [],
    "changed": [
        {
            "kind": "changed",
            "subject": "HA2",
            "attribute": "port",
            "qualifier": None,
            "platforms": [],
            "before": _side("29281", "10.1"),
            "after": _side("29282", "11.1"),
        }
    ],
    "compared": [],
    "only_from": [],
    "only_to": [],
    "same_for_both": [],
    "notes": [],
    "count": 1,
    "summary": "What changed for HA2 from PAN-OS 10.1 to 11.1 (1 page compared): 1 changed.",
}

READY: dict[str, Any] = {
    "status": "ready",
    "build_id": _BUILD,
    "documents": 1,
    "facts": 82,
    "chunks": 14,
    "passages": "ok",
    "reason": None,
}

VOTE: dict[str, Any] = {
    "id": 42,
    "created_at": "2026-12-01T03:06:42+00:00",
    "vote": "wrong",
    "question": "what port does ha1 use?",
    "answer": "HA1 port: TCP 28769, 28260 (clear text); TCP 28 (encrypted).",
    "user": "key:3f2a9c0d",
    "source": "api",
    "build_id": _BUILD,
    "comment": "the encrypted port is missing its protocol",
}

VOTES: dict[str, Any] = {"votes": [VOTE], "next_before": 42, "next_cursor": "42.8e1f0c2b9a77"}


def _cited(section: str, quote: str) -> dict[str, Any]:
    return {**_SOURCE, "section": f"HA Links and Backup Links > {section}", "quote": quote, "scope_label": _LABEL}


_HA1_ROLE = (
    "The HA1 link is used to exchange hellos, heartbeats, and HA state information, and management plane "
    "sync for routing, and User-ID information."
)
_HA1_LAYER = "The HA1 link is a Layer 3 link and requires an IP address."
_HEARTBEAT_BACKUP = (
    "Consider the following guidelines when configuring backup HA links: Palo Alto Networks recommends "
    "enabling heartbeat backup (uses port 28771 on the MGT interface) if you use an in-band port for the "
    "HA1 or the HA1 backup links."
)
_IN_BAND = (
    "In-band ports can be used for backup links for both HA1 and HA2 connections when dedicated backup "
    "links are not available."
)

# `?model=PA-3260` (active/passive, no backups), the HA1 line only (HA2's follows it).
CHECKLIST: dict[str, Any] = {
    "model": "PA-3260",
    "documented_as": ["PA-3200 Series"],
    "deployment": {
        "model": "PA-3260",
        "mode": "active-passive",
        "ha1_encryption": False,
        "ha2_transport": "ethernet",
        "backups": [],
        "ha3": None,
        "hsci": False,
        "product": None,
        "deployment": None,
        "version": None,
    },
    "scope": "Next-Generation Firewall",
    "platform": [],
    "platform_notes": [],
    "lines": [
        {
            "link": "HA1",
            "purpose": {
                "items": [
                    {
                        "text": "hellos, heartbeats, HA state information, management plane sync for routing, "
                        "User-ID information",
                        "qualifier": None,
                        "note_by_hakb": None,
                        "citations": [_cited("Control Link", _HA1_ROLE)],
                    }
                ],
                "missing": None,
                "conflict": False,
            },
            "interface": {
                "items": [],
                "missing": "not documented: the documents do not say which interface carries it for HA1 on the "
                "PA-3200 Series",
                "conflict": False,
            },
            "flows": [
                {
                    "protocol": "TCP",
                    "port": "28769",
                    "ethertype": None,
                    "ip_protocol": None,
                    "qualifier": "clear text",
                    "detail": None,
                    "conflict": False,
                    "citations": [_cited("Control Link", _HA1_QUOTE)],
                    "label": "TCP 28769",
                }
            ],
            "flows_missing": None,
            "direction": {
                "items": [],
                "missing": "not documented: the documents do not say its direction for HA1 on the PA-3200 Series",
                "conflict": False,
            },
            "layer": {
                "items": [
                    {
                        "text": "Layer 3",
                        "qualifier": None,
                        "note_by_hakb": "IP-addressed: each peer has an address; the path may be routed",
                        "citations": [_cited("Control Link", _HA1_LAYER)],
                    }
                ],
                "missing": None,
                "conflict": False,
            },
            "notes": [
                {
                    "text": _HA1_LAYER,
                    "qualifier": None,
                    "note_by_hakb": None,
                    "citations": [_cited("Control Link", _HA1_LAYER)],
                }
            ],
        }
    ],
}

# tests/fixtures/ha-configs/heartbeat-backup-missing.xml without HA1's <ip-address>, model PA-3260.
CHECK: dict[str, Any] = {
    "model": "PA-3260",
    "documented_as": ["PA-3200 Series"],
    "scope": "Next-Generation Firewall",
    "format": "xml",
    "errors": 1,
    "warnings": 1,
    "findings": [
        {
            "severity": "error",
            "check": "needs-address",
            "where": "deviceconfig/high-availability/interface/ha1",
            "problem": "HA1 has no IP address",
            "rules": [_cited("Control Link", _HA1_LAYER)],
        },
        {
            "severity": "warning",
            "check": "recommended",
            "where": "deviceconfig/high-availability/group/election-option/heartbeat-backup",
            "problem": "heartbeat-backup is not enabled (HA1 and HA1-backup on a data port), which the documents "
            "recommend",
            "rules": [_cited("HA1 and HA2 Backup Links", _HEARTBEAT_BACKUP)],
        },
    ],
    "not_checked": [],
    "passed": [
        {
            "what": "HA1-backup on ethernet1/5 (data)",
            "where": "deviceconfig/high-availability/interface/ha1-backup/port",
            "rules": [_cited("HA1 and HA2 Backup Links", _IN_BAND)],
        }
    ],
    "build_id": _BUILD,
}

# GET /metrics: hakb's own families (the Python process's come first), after one answer.
METRICS = f"""\
# HELP hakb_http_requests_total HTTP requests answered, by route template, method and status
# TYPE hakb_http_requests_total counter
hakb_http_requests_total{{method="POST",route="/v1/ask",status="200"}} 1.0
# HELP hakb_answers_total Answers given, by kind (fact, passage, abstain) and channel
# TYPE hakb_answers_total counter
hakb_answers_total{{channel="api",kind="fact"}} 1.0
# HELP hakb_ready 1 when a build is loaded and answers
# TYPE hakb_ready gauge
hakb_ready 1.0
# HELP hakb_build_info The build this worker serves
# TYPE hakb_build_info gauge
hakb_build_info{{build_id="{_BUILD}"}} 1.0
# HELP hakb_build_facts Facts in the build served
# TYPE hakb_build_facts gauge
hakb_build_facts 82.0
# HELP hakb_abstain_ratio Share of answers that abstained, over every answer counted since the service started
# TYPE hakb_abstain_ratio gauge
hakb_abstain_ratio 0.0
"""
