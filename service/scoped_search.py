"""Passage search within a scope: `Engine.search` over the view of the build that holds
only the chunks of one product, deployment, PAN-OS version or kind of page.

`Engine.search` (what `GET /v1/search` uses without a scope) searches the whole build;
this thin layer asks the same retriever over `LoadedBuild.scoped(asked)`, whose chunk
ids mask the shared keyword and vector indexes, as `Engine.ask` does for a scoped
question. A scope no document covers finds nothing and says what the documents cover.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hakb.service import question as qparse
from hakb.service.engine import Engine, EngineError
from hakb.service.retrieval import Hit, PassagesUnavailable
from hakb.service.scope import QuestionScope


@dataclass
class ScopedHits:
    build_id: str
    hits: list[Hit]
    uncovered: list[str] = field(default_factory=list)  # what was asked that no document covers
    covered: str = ""  # what the documents do cover, when something asked is not


def search(engine: Engine, text: str, asked: QuestionScope | None, *, top_k: int = 10) -> ScopedHits:
    """The best passages for `text` among those `asked` admits (None: every passage).
    EngineError (503) when passage search is down, as for `Engine.search`."""
    build = engine.build
    if asked is None or asked.empty:
        return ScopedHits(build.build_id, engine.search(text, top_k=top_k))
    vocabulary = build.scope_vocabulary
    # As Engine.ask reads it: a name no page lists but a sentence is about still counts.
    uncovered = [u for u in vocabulary.uncovered(asked) if not build.mentions(u)]
    if uncovered:
        return ScopedHits(build.build_id, [], uncovered, vocabulary.describe())
    view = build.scoped(asked)
    try:
        hits = engine.retriever.search(view, qparse.clean_chat(text), top_k=top_k)
    except PassagesUnavailable as exc:
        engine.holder.mark_vectors_down(build, str(exc))
        raise EngineError(f"passage search unavailable: {exc}") from exc
    return ScopedHits(build.build_id, hits)
