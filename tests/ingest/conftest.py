"""Fixtures for the ingest tests: the real embedder, a ~300-chunk corpus, a Chroma server."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hakb.devserver import ChromaServer, free_port, start_chroma  # noqa: F401 (re-exported to the tests)
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import Chunk

# Hand-written passages, close to the PAN-OS "HA Links and Backup Links" page. The
# generated filler below never mentions 28771, 0x7261 or PA-3260, so a keyword hit on
# those has one right answer.
KNOWN_CHUNKS = {
    "hb-backup": (
        "HA1 and HA2 Backup Links",
        "Provide redundancy for the HA1 and the HA2 links. In-band ports can be used for "
        "backup links for both HA1 and HA2 connections when dedicated backup links are not "
        "available. Palo Alto Networks recommends enabling heartbeat backup (uses port 28771 "
        "on the MGT interface) if you use an in-band port for the HA1 or the HA1-backup links.",
    ),
    "ha1-control": (
        "Control Link",
        "The HA1 link is used to exchange hellos, heartbeats, and HA state information, and "
        "management plane sync for routing, and User-ID information. Ports used for HA1: TCP "
        "port 28769 and 28260 for clear text communication; port 28 for encrypted "
        "communication (SSH over TCP).",
    ),
    "ha2-data": (
        "Data Link",
        "The HA2 link is used to synchronize sessions, forwarding tables, IPSec security "
        "associations and ARP tables between firewalls in an HA pair. The HA2 link is a Layer 2 "
        "link, and it uses ether type 0x7261 by default. It can also use IP (protocol number "
        "99) or UDP (port 29281) as the transport.",
    ),
    "pa-3260-ports": (
        "Dedicated HA Ports",
        "The PA-3260 firewall has dedicated HA1-A and HA1-B ports for the control link and "
        "HSCI ports for HA2 and HA3, so no dataplane interface is needed for HA.",
    ),
    "ha4-cluster": (
        "HA4 Link and HA4 Backup Link",
        "The HA4 link and HA4 backup link perform session cache synchronization among all HA "
        "cluster members having the same cluster ID, and detect connectivity failures by "
        "sending Layer 2 keepalive messages.",
    ),
}

_SUBJECTS = [
    "HA1",
    "HA1 backup",
    "HA2",
    "HA2 backup",
    "HA3",
    "HA4",
    "HA4 backup",
    "the management port",
    "a dataplane port",
    "the HSCI port",
    "an aggregate interface",
]
_PLATFORMS = [
    "PA-220",
    "PA-220R",
    "PA-440",
    "PA-460",
    "PA-820",
    "PA-850",
    "PA-3220",
    "PA-3250",
    "PA-3410",
    "PA-5220",
    "PA-5450",
    "PA-7050",
    "PA-7080",
    "VM-Series",
]
_FEATURES = [
    "session synchronisation",
    "link monitoring",
    "path monitoring",
    "preemption",
    "jumbo frames",
    "LACP",
    "floating IP addresses",
    "ARP load-sharing",
    "configuration sync",
    "User-ID redistribution",
    "GlobalProtect",
    "IPSec tunnels",
]
_PORTS = [28, 28260, 28769, 28770, 29281, 22, 443, 3978, 28443, 6080]
_STATES = ["passive", "non-functional", "suspended", "active-secondary", "initial", "tentative"]
_TEMPLATES = [
    "On the {platform}, {subject} can be configured on {iface} when no dedicated port exists.",
    "{Subject} traffic between peers uses {proto} port {port} in {mode} mode.",
    "Set the {subject} hold time to {n} milliseconds so a peer failure is noticed within {m} s.",
    "PAN-OS {ver} adds support for {feature} on {platform} firewalls in an HA pair.",
    "If {subject} fails, the firewall logs event {code} and moves to the {state} state.",
    "Configure {subject} with the IP address 10.{a}.{b}.{c} and netmask 255.255.255.0.",
    "The {platform} supports up to {n} sessions with {feature} when {subject} is enabled.",
    "Run show high-availability {cmd} to view the {what} of {subject}.",
    "{Feature} requires both peers to run the same PAN-OS {ver} release and model.",
    "Palo Alto Networks recommends {feature} on {platform} deployments that use {subject}.",
]


def _sentence(rng: random.Random) -> str:
    subject = rng.choice(_SUBJECTS)
    feature = rng.choice(_FEATURES)
    return rng.choice(_TEMPLATES).format(
        subject=subject,
        Subject=subject[0].upper() + subject[1:],
        platform=rng.choice(_PLATFORMS),
        iface=f"ethernet1/{rng.randint(1, 24)}",
        proto=rng.choice(["TCP", "UDP"]),
        port=rng.choice(_PORTS),
        mode=rng.choice(["clear text", "encrypted"]),
        n=rng.randint(2, 9000),
        m=rng.randint(1, 60),
        ver=rng.choice(["10.1", "10.2", "11.1"]),
        feature=feature,
        Feature=feature[0].upper() + feature[1:],
        code=rng.randint(1000, 9999),
        state=rng.choice(_STATES),
        a=rng.randint(0, 255),
        b=rng.randint(0, 255),
        c=rng.randint(1, 254),
        cmd=rng.choice(["state", "link-monitoring", "all", "flap-statistics"]),
        what=rng.choice(["status", "counters", "history", "configuration"]),
    )


def make_chunks(n: int = 300, seed: int = 7) -> list[Chunk]:
    """`n` distinct chunks: the known passages first, then generated HA prose."""
    rng = random.Random(seed)
    chunks = [
        Chunk(
            chunk_id=cid,
            doc_id="ha-links",
            title="HA Links and Backup Links",
            url="https://docs.example.test/ha-links",
            section=section,
            version="PAN-OS 11.1+",
            text=text,
            subjects=["HA1", "HA2"],
        )
        for cid, (section, text) in KNOWN_CHUNKS.items()
    ]
    seen = {c.text for c in chunks}
    while len(chunks) < n:
        text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 3)))
        if text in seen:
            continue
        seen.add(text)
        i = len(chunks)
        chunks.append(
            Chunk(
                chunk_id=f"gen-{i:04d}",
                doc_id=f"doc-{i % 12}",
                title=f"HA topic {i % 12}",
                url=None if i % 3 else f"https://docs.example.test/{i % 12}",
                section=f"Section {i % 7}",
                version=None if i % 2 else "PAN-OS 10.2",
                text=text,
                subjects=rng.sample(["HA1", "HA2", "HA3", "HA4", "PA-3200 Series"], 2),
            )
        )
    return chunks


@pytest.fixture(scope="session")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="session")
def corpus(embedder: OnnxEmbedder) -> tuple[list[Chunk], np.ndarray]:
    """~300 chunks and their vectors, embedded once per session."""
    chunks = make_chunks()
    return chunks, embedder.embed([c.text for c in chunks])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A fresh Chroma server per test (tests may stop it); always stopped afterwards."""
    with start_chroma(tmp_path / "chroma-server", tmp_path / "chroma-server.log") as server:
        yield server
