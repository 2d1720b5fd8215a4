"""Passage search within a scope: `Engine.search` over the view of the build that holds
only the chunks of one product, deployment, PAN-OS version or kind of page.

`Engine.search` (what `GET /v1/search` uses without a scope) searches the whole build;
this thin layer asks the same retriever over `LoadedBuild.scoped(asked)`, whose chunk
ids mask the shared keyword and vector indexes, as `Engine.ask` does for a scoped
question. A scope no document covers finds nothing and says what the documents cover.

A platform asked (`model`, `families`) is not in that view: the engine reads it in its
ranking, one sentence at a time (`_platform_feature`: a sentence naming only other
hardware is ranked down). A search has no ranking of its own to do that in, so it drops
the passages whose page or text names hardware and none of the asked model's names
(`holds_for_platform`); a passage that names no hardware holds for every platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hakb.ingest import lexicon
from hakb.ingest.models import Chunk
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
    uncovered = build.uncovered(asked)  # as Engine.ask reads it
    if uncovered:
        return ScopedHits(build.build_id, [], uncovered, vocabulary.describe())
    view = build.scoped(asked)
    wanted = platform_names(asked)
    # Some of what is found may name other hardware: look deeper so that `top_k` are left.
    depth = min(top_k * _DEEPER, _DEPTH_MAX) if wanted else top_k
    try:
        hits = engine.retriever.search(view, qparse.clean_chat(text), top_k=depth)
    except PassagesUnavailable as exc:
        engine.holder.mark_vectors_down(build, str(exc))
        raise EngineError(f"passage search unavailable: {exc}") from exc
    if wanted:
        hits = [h for h in hits if holds_for_platform(h.chunk, wanted)]
    return ScopedHits(build.build_id, hits[:top_k])


_DEEPER, _DEPTH_MAX = 4, 200


def platform_names(asked: QuestionScope) -> frozenset[str]:
    """The names the asked platform goes by in the documents: the model as asked and the
    families the build documents it under ("PA-3410", "PA-3400 Series"); empty when no
    platform is asked."""
    if not asked.model:
        return frozenset()
    return frozenset({asked.model, *asked.families})


def holds_for_platform(chunk: Chunk, wanted: frozenset[str]) -> bool:
    """False when the chunk is about other hardware: its page is scoped to platforms, or its
    title, section or text names models or families, and none of them is one of `wanted`
    or of the same family ("PA-7050" holds for "PA-7000 Series")."""
    named = set(chunk.scope.platforms) if chunk.scope else set()
    for mention in lexicon.platforms_in(f"{chunk.title}\n{chunk.section}\n{chunk.text}"):
        named.add(mention.name)
        if not mention.is_family:
            named.update(lexicon.family_candidates(mention.name))
    return not named or bool(named & wanted)
