"""The answer engine: rules table first, then passages, else an honest abstain.

Before anything leaves, `verify` checks that every number and identifier in the
answer text stands in one of its cited quotes (or in the question itself).
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from pathlib import Path


from hakb.ingest import lexicon
from hakb.ingest.embedder import Embedder
from hakb.ingest.facts import split_sentences
from hakb.ingest.models import Citation, Fact
from hakb.service import question as qparse
from hakb.service import rules
from hakb.service.facts_table import stem
from hakb.service.index import BuildHolder, LoadedBuild
from hakb.service.models import Answer, Conflict
from hakb.service.retrieval import Hit, PassagesUnavailable, Retriever
from hakb.service.vocabulary import Vocabulary
from hakb.settings import Settings

log = logging.getLogger(__name__)

PASSAGE_MIN_DENSE = 0.42
PASSAGE_MIN_COVERAGE = 0.4
_CHECKED = re.compile(r"\b0x[0-9a-f]+\b|\bpa-\d{2,4}[a-z]*\b|(?<![\w.])\d[\d,]*\d(?![\w])", re.I)


class EngineError(Exception):
    """The engine cannot answer at all (no build, passages down)."""


# The parts of the answer engine that `hakb eval --ablate PART` can switch off, to
# measure what each is worth. Names are stable: the eval report uses them.
PARTS = ("facts", "passages", "dense", "ranker", "guard")


class Engine:
    def __init__(
        self, holder: BuildHolder, embedder: Embedder, *, ablate: frozenset[str] | set[str] = frozenset()
    ) -> None:
        unknown = set(ablate) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown engine part(s): {', '.join(sorted(unknown))} (parts: {', '.join(PARTS)})")
        self.holder = holder
        self.retriever = Retriever(embedder)
        self.ablate = frozenset(ablate)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, index_dir: Path | None = None, ablate: frozenset[str] | set[str] = frozenset()
    ) -> Engine:
        """The one way to assemble an engine: the CLI, the API, Slack, eval and bench use it.
        Opening is lazy: no build is read and no model is loaded until the first question."""
        from hakb.ingest.embedder import OnnxEmbedder

        holder = BuildHolder(index_dir or settings.index_dir, settings.chroma_host, settings.chroma_port)
        return cls(holder, OnnxEmbedder(settings.embedder_dir), ablate=ablate)

    @property
    def build(self) -> LoadedBuild:
        return self.holder.current

    def warm_up(self) -> None:
        """Load the model and the retriever now, so the first user does not wait."""
        self.retriever.embed_query("warm up")
        try:
            build = self.holder.current
        except Exception:
            return
        try:
            self.retriever.search(build, "HA link", top_k=1)
        except PassagesUnavailable:
            pass

    def search(self, question: str, *, top_k: int = 10) -> list[Hit]:
        """Passages only, best first: what `GET /v1/search` and the eval's retrieval figures use."""
        build = self.holder.current
        try:
            return self.retriever.search(build, qparse.clean_chat(question), top_k=top_k)
        except PassagesUnavailable as exc:
            self.holder.mark_vectors_down(build, str(exc))
            raise EngineError(f"passage search unavailable: {exc}") from exc

    def ask(
        self, question: str, *, top_k: int = 5, context: str | None = None, version: str | None = None
    ) -> Answer:
        """Answer `question`; `context` is an earlier question of the same thread;
        `version` keeps only documents whose product version contains it."""
        started = time.perf_counter()
        # A lone surrogate (a JSON "\ud800", a surrogate-escaped stdin line) can be neither
        # tokenised nor sent back as UTF-8: it becomes "?", like any unencodable character.
        question = question.encode("utf-8", "replace").decode("utf-8")
        context = context.encode("utf-8", "replace").decode("utf-8") if context else context
        build = self.holder.current  # one build for the whole request
        if version:
            build = build.for_version(version)
        queries = qparse.parse(question)
        ctx = qparse.parse(context)[-1] if context else None
        parts = []
        for i, q in enumerate(queries):
            # "is ha1 layer 3, and what's used for heartbeats?": a later part with no
            # subject of its own continues the earlier one.
            part_ctx = queries[i - 1] if i and not q.subjects and queries[i - 1].subjects else ctx
            parts.append(self._ask_one(build, q, top_k, part_ctx))
        answer = parts[0] if len(parts) == 1 else _combine(question, parts)
        answer.question = question
        answer.build_id = build.build_id
        answer.timing_ms = round((time.perf_counter() - started) * 1000, 3)
        return answer

    def _ask_one(self, build: LoadedBuild, q: qparse.Query, top_k: int, ctx: qparse.Query | None) -> Answer:
        vocab = build.vocabulary
        q.topic = [vocab.closest(w) for w in q.topic]
        result = rules.answer(q, build.facts, ctx, vocab)
        if result is not None and result.abstain_reason:
            return _abstain(q, result.abstain_reason, result.looked_for)
        if result is not None and result.facts:
            answer = _fact_answer(q, result)
            return verify(answer, q.original)
        passage = self._passage(build, q, top_k, ctx)
        if passage is not None:
            return verify(passage, q.original)
        looked = (result.looked_for if result else "") or " ".join(qparse.content_words(q.text)) or q.text
        return _abstain(q, f"The documents do not say ({'looked for: ' + looked}).", looked)

    def _passage(self, build: LoadedBuild, q: qparse.Query, top_k: int, ctx: qparse.Query | None) -> Answer | None:
        text = q.text
        subjects = list(q.subjects)
        has_content = q.attributes or q.platform or q.numbers or q.hexes or q.topic
        if ctx is not None and not q.subjects and ctx.subjects and has_content:
            text = f"{' '.join(ctx.subjects)} {text}"
            subjects = list(ctx.subjects)
        vocab = build.vocabulary
        words = [vocab.closest(w) for w in qparse.content_words(text)]
        if not words:
            return None
        unknown = [w for w in words if w not in vocab and len(w) > 2]
        if any(vocab.foreign(w) or re.search(r"\d", w) for w in unknown) or len(unknown) >= max(2, len(words) // 2):
            return None  # the question is about something the documents never mention
        try:
            hits = self.retriever.search(build, text, top_k=max(top_k, 5))
        except PassagesUnavailable as exc:
            # /readyz says so at once; the watcher reattaches when Chroma is back.
            self.holder.mark_vectors_down(build, str(exc))
            raise EngineError(f"passage search unavailable: {exc}") from exc
        if not hits:
            return None
        best = _best_sentences(hits[:4], words, vocab)
        if subjects:
            # A sentence about another link does not answer a question about this one.
            best = [b for b in best if not (lexicon.links_in(b[1]) and not set(subjects) & set(lexicon.links_in(b[1])))]
        if not best:
            return None
        top_dense = max(h.dense for h in hits[:3])
        coverage = best[0][0]
        if top_dense < PASSAGE_MIN_DENSE and coverage < 0.75 or coverage < PASSAGE_MIN_COVERAGE:
            return None
        picked = best[:2]
        citations = [_cite(hit, sentence) for _, sentence, hit in picked]
        confidence = round(min(0.85, 0.35 + 0.4 * coverage + 0.3 * top_dense), 3)
        text = " ".join(sentence for _, sentence, _ in picked)
        # Chat often asks yes/no tersely ("ngfw cluster ikev1?"): no wh-word, no
        # attribute, nothing that asks for a value.
        terse = (
            not q.has_wh
            and set(q.attributes) <= _SUPPORT_ATTRIBUTES
            and q.original.strip().endswith("?")
            and not _ASKS_VALUE.search(q.text)
        ) or bool(rules.TERSE_OK.search(q.text.lower()))
        if q.yes_no or terse:
            # A yes/no question answered by a documented sentence: a negation in it
            # is a "No"; for an explicit yes/no question, a close match with no
            # negation or hedge is a "Yes"; anything else is quoted without a verdict.
            first = picked[0][1]
            clause = _deciding_clause(first, q, vocab)
            if _verdict_allowed(first, q, vocab):
                if _NEGATION.search(clause) or rules.contradicts(q.norm or q.text, clause):
                    text = f"No. {text}"
                elif q.yes_no and coverage >= 0.7 and not _HEDGE.search(first):
                    text = f"Yes. {text}"
        return Answer(
            question=q.original,
            answer=text,
            kind="passage",
            confidence=confidence,
            citations=citations,
            looked_for=" ".join(words),
        )


_NEGATION = re.compile(
    r"\b(?:not|cannot|can't|don't|doesn't|isn't|aren't|won't|never|no|disabled|unsupported)\b|n\u2019t\b", re.I
)
_IMPERATIVE = re.compile(r"^\(?(?:optional\)\s*)?(?:select|click|enter|go|configure|set|navigate|open|choose|add|edit|run|use)\b", re.I)


def _verdict_allowed(sentence: str, q: qparse.Query, vocab: Vocabulary) -> bool:
    """A passage may decide yes or no only when it is a statement (not a UI step)
    that holds every rare word and every number of the question ("is ha4 layer 3?"
    is not answered by a sentence about Layer 2)."""
    if _IMPERATIVE.search(sentence.strip()):
        return False
    low = sentence.lower()
    tokens = set(re.findall(r"[a-z0-9][a-z0-9\-]*", low))
    stems = {stem(t) for t in tokens}
    for number in re.findall(r"\b\d+\b", q.text):
        if number not in tokens:
            return False
    rare = [w for w in qparse.content_words(q.text) if w in vocab and vocab.weight(w) >= vocab.max_idf * 0.5]
    return all(w in tokens or stem(w) in stems for w in rare)


_ASKS_VALUE = re.compile(r"\b(?:range|max|maximum|min|minimum|value|time|timer|vs|versus|or|many|much)\b", re.I)
_SUPPORT_ATTRIBUTES = frozenset({"dedicated-ha-ports", "can-use", "not-supported", "interface", "requires", "required-in"})


def _deciding_clause(sentence: str, q: qparse.Query, vocab: Vocabulary) -> str:
    """The clause of a sentence that holds most of the question's rare words: "Although
    X is not processing traffic: ... the passive firewall is running routing
    protocols" is decided by its second clause, not by the first one's "not"."""
    clauses = [c for c in re.split(r"[;:]\s+|,\s+(?=however\b|but\b|although\b)", sentence) if c.strip()]
    if len(clauses) < 2:
        return sentence
    words = [w for w in qparse.content_words(q.text) if w in vocab]

    def score(clause: str) -> float:
        tokens = {stem(t) for t in re.findall(r"[a-z0-9][a-z0-9\-]*", clause.lower())}
        return sum(vocab.weight(w) for w in words if stem(w) in tokens)

    return max(clauses, key=score)
_HEDGE = re.compile(r"\b(?:only|except|unless|however|but|if)\b", re.I)
def _best_sentences(hits: list[Hit], words: list[str], vocab: Vocabulary) -> list[tuple[float, str, Hit]]:
    """Sentences of the top passages scored by how much of the question they cover,
    rare words (port numbers, 'mtu') weighing more than common ones ('link')."""
    # A word the documents never use ("bgp", "clusterxl") cannot be covered: it
    # weighs like the rarest word, so a question about it finds no good sentence.
    # Among known words, the rarest is the question's point.
    wanted = list(dict.fromkeys(words))
    weight = {w: vocab.weight(w) for w in wanted}
    total = sum(weight.values()) or 1.0
    known = [w for w in wanted if w in vocab]
    if not known:
        return []
    rarest = max(known, key=lambda w: weight[w])
    scored: list[tuple[float, str, Hit]] = []
    for rank, hit in enumerate(hits):
        for sentence in split_sentences(hit.chunk.text):
            tokens = set(re.findall(r"[a-z0-9][a-z0-9\-]*", sentence.lower()))
            stems = {stem(t) for t in tokens}
            present = [w for w in wanted if w in tokens or stem(w) in stems]
            if not present or len(sentence) < 25:
                continue
            coverage = sum(weight[w] for w in present) / total
            if rarest not in present and coverage < 0.6:
                continue
            scored.append((coverage - 0.03 * rank, sentence, hit))
    scored.sort(key=lambda t: -t[0])
    seen: set[str] = set()
    out = []
    for s in scored:
        if s[1] not in seen:
            seen.add(s[1])
            out.append(s)
    return out


def _cite(hit: Hit, sentence: str) -> Citation:
    c = hit.chunk
    return Citation(doc_id=c.doc_id, title=c.title, url=c.url, section=c.section, quote=sentence, version=c.version)


def _fact_answer(q: qparse.Query, result: rules.RuleResult) -> Answer:
    facts = result.facts
    text = result.text
    if result.note:
        text = f"{text} ({result.note})"
    citations = _citations(facts + result.support)
    return Answer(
        question=q.original,
        answer=text,
        kind="fact",
        confidence=result.confidence,
        facts=facts,
        citations=citations,
        conflicts=_conflicts(facts),
        looked_for=result.looked_for,
    )


def _citations(facts: list[Fact]) -> list[Citation]:
    seen: OrderedDict[tuple[str, str, str], Citation] = OrderedDict()
    for f in facts:
        seen.setdefault((f.doc_id, f.section, f.quote), f.citation())
    # Every quote that carries a value stays: verification and the reader need them all.
    return list(seen.values())


def _conflicts(facts: list[Fact]) -> list[Conflict]:
    groups: OrderedDict[tuple[str, str], list[Fact]] = OrderedDict()
    for f in facts:
        if f.conflict:
            groups.setdefault((f.subject, f.attribute), []).append(f)
    out = []
    for (subject, attribute), fs in groups.items():
        values: OrderedDict[str, str] = OrderedDict()
        for f in fs:
            values.setdefault(f.value, f.title)
        if len(values) > 1:
            out.append(Conflict(subject=subject, attribute=attribute, values=list(values), sources=list(values.values())))
    return out


def _abstain(q: qparse.Query, reason: str, looked_for: str) -> Answer:
    return Answer(question=q.original, answer=reason, kind="abstain", confidence=0.0, looked_for=looked_for)


def _combine(question: str, parts: list[Answer]) -> Answer:
    unique: list[Answer] = []
    for p in parts:  # "ha1 port and where does it run": one answer, once
        if all(p.answer != u.answer for u in unique):
            unique.append(p)
    if any(p.kind != "abstain" for p in unique):
        # "...?? customer down": a chat aside that abstains adds nothing to an answer.
        unique = [p for p in unique if p.kind != "abstain" or p.looked_for and any(ch.isdigit() for ch in p.looked_for)]
    parts = unique
    if len(parts) == 1:
        return parts[0]
    answered = [p for p in parts if p.kind != "abstain"]
    kind = "fact" if any(p.kind == "fact" for p in answered) else ("passage" if answered else "abstain")
    citations: OrderedDict[tuple[str, str], Citation] = OrderedDict()
    for p in parts:
        for c in p.citations:
            citations.setdefault((c.doc_id, c.quote), c)
    return Answer(
        question=question,
        answer="\n".join(p.answer for p in parts),
        kind=kind,
        confidence=min(p.confidence for p in answered) if answered else 0.0,
        facts=[f for p in parts for f in p.facts],
        citations=list(citations.values()),
        conflicts=[c for p in parts for c in p.conflicts],
        looked_for="; ".join(p.looked_for or "" for p in parts),
    )


def unsupported_tokens(answer: Answer, question: str = "") -> list[str]:
    """Numbers and identifiers in the answer text that no cited quote contains."""
    # A citation is its quote and the section it sits in (a table row's label names
    # the platform its sentences are about).
    sources = " ".join(f"{c.quote} {c.section}" for c in answer.citations).lower() + " " + question.lower()
    compact = sources.replace(",", "")
    out = []
    for m in _CHECKED.finditer(answer.answer):
        token = m.group(0).lower()
        # Whole tokens only: 2876 is not vouched for by a quote saying 28769.
        if _stands_in(token, sources) or _stands_in(token.replace(",", ""), compact):
            continue
        out.append(m.group(0))
    return out


def _stands_in(token: str, text: str) -> bool:
    # A plural "s" still names the token: "PA-440s" in a question vouches for PA-440.
    return re.search(rf"(?<![0-9a-z]){re.escape(token)}s?(?![0-9a-z])", text) is not None


def verify(answer: Answer, question: str) -> Answer:
    """Refuse to send an answer with a number or identifier its quotes do not hold."""
    if answer.kind == "abstain":
        return answer
    bad = unsupported_tokens(answer, question)
    if not bad:
        return answer
    log.warning("answer withheld: %s not in any cited quote", ", ".join(bad))
    return Answer(
        question=answer.question,
        answer=(
            "I found something, but could not verify it against the documents "
            "(a number in it is not in any quoted sentence), so I will not guess."
        ),
        kind="abstain",
        confidence=0.0,
        looked_for=answer.looked_for,
    )
