"""Text helpers shared by ingest and the service: neither layer owns them.

ingest splits section text into sentences to find facts and cut chunks; the
service splits passages into sentences to quote one. Both must cut in the same
places, so the rule lives here, below both layers, and imports nothing of hakb.
(A change here changes what ingest makes: `pipeline_fingerprint` hashes this file.)
"""

from __future__ import annotations

import re

# Sentence ends: ". X", ".) X", ".) (X", and scrapes that lost the space (".)You",
# "interface.Data").
_SENTENCE_SPLIT = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z(\"'])|(?<=[.!?]\))\s*(?=[A-Z])|(?<=[.!?]\))\s+(?=\()|(?<=[a-z]{2}\.)(?=[A-Z][a-z])"
)


def split_sentences(text: str) -> list[str]:
    """`text` as sentences, white space folded, empty pieces dropped."""
    text = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]
