"""The answer engine: one ranked list of evidence, then a composer and a guard.

Sources (the facts table, passage sentences from hybrid retrieval) propose
candidates; the ranker scores them all on one scale from their features, with
weights fitted on the dev split; the composer writes a fact line or the best
sentences; the guard abstains below a threshold chosen from the dev split's
risk-coverage curve.

Before anything leaves, `verify` checks that every number and identifier in the
answer text stands in one of its cited quotes (or in the question itself).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from hakb import attributes
from hakb.errors import BadInput, NotFound, Unavailable
from hakb.ingest import lexicon
from hakb.ingest.embedder import Embedder
from hakb.ingest.models import Citation, Fact, Scope
from hakb.service import question as qparse
from hakb.service import rules, setting_values
from hakb.service.changes import ChangesQuestion, changes
from hakb.service.changes import read_question as read_changes_question
from hakb.service.facts_table import FactTable, norm_value
from hakb.service.index import BuildHolder, LoadedBuild
from hakb.service.models import Answer, Conflict
from hakb.service.ranking import sources
from hakb.service.ranking import text as tx
from hakb.service.ranking import verdict as verdicts
from hakb.service.ranking.evidence import Evidence
from hakb.service.ranking.ranker import CoverageRanker, LinearRanker
from hakb.service.retrieval import DENSE_SEARCHES, DenseSearch, Hit, PassagesUnavailable, Retriever
from hakb.service.scope import QuestionScope, ScopedQuestion, read_question_scope
from hakb.service.vocabulary import Vocabulary
from hakb.settings import Settings
from hakb.text import split_sentences

log = logging.getLogger(__name__)

_CHECKED = re.compile(r"\b0x[0-9a-f]+\b|\b(?:pa|vm)-\d{2,4}[a-z]*\b|(?<![\w.])\d[\d,]*\d(?![\w])", re.I)


@dataclasses.dataclass
class Ranking:
    """A question as the engine read it and the evidence it ranked for it."""

    build: LoadedBuild
    q: qparse.Query
    sig: sources.Signals
    picked: rules.RuleResult | None
    evidence: list[Evidence]


class EngineError(Unavailable):
    """The engine cannot answer at all (no build, passages down)."""


# The parts of the answer engine that `hakb eval --ablate PART` can switch off, to
# measure what each is worth. Names are stable: the eval report uses them.
PARTS = ("facts", "passages", "dense", "ranker", "guard")
# A passage answer quotes the best sentence and up to two more scored within CLOSE_BEHIND
# of it (chosen on the dev split: one more within 0.08 answered 4 fewer dev questions).
MAX_SENTENCES = 3
CLOSE_BEHIND = 0.12
RETRIEVED = 7  # passages retrieved per question, at least
READ_DEEP = 6  # of which this many give their sentences as candidates, at least
# A sentence further than CLOSE_BEHIND behind a fact answer is quoted beside it ("Also: ...")
# when it passes the guard and holds at least this share of the question's weight that the
# fact's line does not say: one generic word ("link") is no addition.
BESIDE_SHARE = 0.2
# For "how do I ...", the best candidate that carries the steps answers when it scored
# within this of the best one.
PROCEDURE_BEHIND = 0.25


class Engine:
    def __init__(
        self,
        holder: BuildHolder,
        embedder: Embedder,
        *,
        ablate: frozenset[str] | set[str] = frozenset(),
        dense: DenseSearch | None = None,
    ) -> None:
        unknown = set(ablate) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown engine part(s): {', '.join(sorted(unknown))} (parts: {', '.join(PARTS)})")
        self.holder = holder
        self.retriever = Retriever(embedder, dense)
        self.ablate = frozenset(ablate)
        self.ranker: LinearRanker | CoverageRanker = (
            CoverageRanker() if "ranker" in self.ablate else LinearRanker.load()
        )
        self._fact_sources: dict[tuple[str, int], sources.FactSource] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, *, index_dir: Path | None = None, ablate: frozenset[str] | set[str] = frozenset()
    ) -> Engine:
        """The one way to assemble an engine: the CLI, the API, Slack, eval and bench use it.
        Opening is lazy: no build is read and no model is loaded until the first question."""
        from hakb.ingest.embedder import OnnxEmbedder

        holder = BuildHolder(index_dir or settings.index_dir, settings.chroma_host, settings.chroma_port)
        dense = DENSE_SEARCHES[settings.dense_search]()
        return cls(holder, OnnxEmbedder.from_settings(settings), ablate=ablate, dense=dense)

    @property
    def build(self) -> LoadedBuild:
        return self.holder.current

    def warm_up(self) -> None:
        """Load the model, the word frequencies and the retriever now, so the first user
        does not wait."""
        self.retriever.embed_query("warm up")
        tx.specificity("warm")
        try:
            build = self.holder.current
        except Exception:
            return
        try:
            self.retriever.search(build, "HA link", top_k=1)
        except PassagesUnavailable:
            pass
        # The build's scope tables, its home view and that view's facts index are made on
        # first use (about 2 s on the corpus): made here, not in a user's request.
        home = QuestionScope(product=build.main_product) if build.main_product else QuestionScope()
        self._fact_source(build.scoped(home))
        _ = build.children, build.continued, build.parents, build.preceding
        read_question_scope("warm up", build.scope_vocabulary)
        # The names the documents write (a pass over every chunk, ~80 ms on the corpus).
        build.undocumented_names("warm up")

    def search(self, question: str, *, top_k: int = 10) -> list[Hit]:
        """Passages only, best first: what `GET /v1/search` and the eval's retrieval figures use."""
        build = self.holder.current
        try:
            return self.retriever.search(build, qparse.clean_chat(question), top_k=top_k)
        except PassagesUnavailable as exc:
            self.holder.mark_vectors_down(build, str(exc))
            raise EngineError(f"passage search unavailable: {exc}") from exc

    def ask(
        self,
        question: str,
        *,
        top_k: int = 5,
        context: str | None = None,
        version: str | None = None,
        scope: QuestionScope | None = None,
    ) -> Answer:
        """Answer `question`; `context` is an earlier question of the same thread; `scope`
        (or `version`, a PAN-OS version) restricts the documents, on top of the scope
        the question names itself ("vm-series aws: ...", "10.1 help: ...")."""
        started = time.perf_counter()
        # A lone surrogate (a JSON "\ud800", a surrogate-escaped stdin line) can be neither
        # tokenised nor sent back as UTF-8: it becomes "?", like any unencodable character.
        question = question.encode("utf-8", "replace").decode("utf-8")
        context = context.encode("utf-8", "replace").decode("utf-8") if context else context
        version = version.encode("utf-8", "replace").decode("utf-8") if version else version
        build = self.holder.current  # one build for the whole request
        asked, text = _read_scope(build, question, scope, version)
        uncovered = build.uncovered(asked) or build.undocumented_names(qparse.clean_chat(question))
        if uncovered:
            refused = _scope_abstain(question, uncovered, build.scope_vocabulary.describe())
            refused.build_id = build.build_id
            refused.timing_ms = round((time.perf_counter() - started) * 1000, 3)
            return refused
        wanted = read_changes_question(question)
        if wanted is not None:
            return self._changes(build, question, wanted, asked, started)
        prefer, asked, text = _prefer_sentences(build, question, asked, text)
        answer: Answer | None = None
        readings = _readings(build, asked, prefer, question, text)
        for i, reading in enumerate(readings):
            found = self._read_as(build, reading, question, asked, top_k, context, started)
            if found is None:
                continue
            answer = answer or found  # if every reading abstains, the first one's abstain
            if found.kind != "abstain":
                answer = found
                # A scope the asker set (the API's scope, the page's selector, /hakb scope) is
                # the scope: only a product the question names itself may be its topic.
                chosen = (scope is not None and not scope.empty) or bool(version)
                topic = None if chosen else next((r for r in readings[i + 1 :] if r.topic), None)
                if topic is not None:
                    # A product named with nothing else may be the topic, not the scope
                    # ("config pushed from panorama ..."): its own pages answer only if
                    # they answer better than the documents' own product does.
                    other = self._read_as(build, topic, question, asked, top_k, context, started)
                    if other is not None and other.kind != "abstain" and (other.score or 0) > (found.score or 0):
                        answer = other
                break
        assert answer is not None  # there is always a first reading
        answer.build_id = build.build_id
        return answer

    def _read_as(
        self,
        build: LoadedBuild,
        reading: _Reading,
        question: str,
        asked: QuestionScope,
        top_k: int,
        context: str | None,
        started: float,
    ) -> Answer | None:
        """The answer one reading of the question's scope gives; None when it is the
        product as a topic and its evidence's page does not name it."""
        found = self._ask_in(
            build.scoped(reading.view),
            question,
            reading.text,
            reading.scope,
            top_k,
            context,
            started,
            reading.prefer,
        )
        if reading.topic and found.kind != "abstain":
            # The product is the topic, so the evidence's page must name it ("Log in to the
            # Panorama web interface" on the page that configures a cluster); the answer
            # then names the product it holds for.
            if not any(build.doc_mentions(c.doc_id, reading.topic) for c in found.citations):
                return None
            label = next((c.scope.product_label for c in found.citations if c.scope), "")
            if label:
                found.answer = _labelled(found.answer, label)
        if reading.home and asked.empty and found.kind == "fact":
            _add_other_scopes(found, build)
        if reading.home and asked.empty and found.verdict is not None:
            _add_other_verdicts(found, build, question)
        return found

    def _changes(
        self, build: LoadedBuild, question: str, wanted: ChangesQuestion, asked: QuestionScope, started: float
    ) -> Answer:
        """'what changed for HA3 between 10.1 and 11.1?': the facts added, removed and
        changed between the two versions' pages, each side quoted."""
        try:
            found = changes(build, wanted.subject, wanted.from_version, wanted.to_version, product=asked.product)
        except (BadInput, NotFound) as exc:
            answer = Answer(question=question, answer=str(exc), kind="abstain", confidence=0.0)
        else:
            text = found.render_text()
            answer = Answer(
                question=question,
                answer=text,
                kind="fact" if found.count else "passage",
                confidence=0.9,
                citations=found.citations(),
                looked_for=f"{wanted.subject or 'all'} {wanted.from_version} -> {wanted.to_version}",
            )
            # The values are checked against their quotes; the headline's counts of pages
            # and changes are the comparison's own, not a document's.
            values = "\n".join(line for line in text.splitlines() if line.startswith("- "))
            if verify(answer.model_copy(update={"answer": values}), question).kind == "abstain":
                answer = verify(answer, question)
        answer.build_id = build.build_id
        answer.timing_ms = round((time.perf_counter() - started) * 1000, 3)
        return answer

    def _ask_in(
        self,
        build: LoadedBuild,
        question: str,
        text: str,
        asked: QuestionScope,
        top_k: int,
        context: str | None,
        started: float,
        prefer: str | None = None,
    ) -> Answer:
        # The words that named the scope are not part of what is asked ("12.2:" is no port).
        repair = build.vocabulary.closest  # typos snap to the documents' own words
        queries = qparse.parse(text, repair)
        for q in queries:
            q.original = question
            q.scope = asked
            q.prefer = prefer
            # A platform chosen as the scope (API, Slack default, page) is the one asked.
            q.platform = q.platform or asked.model
            _read_bare_model(q, build.facts)
        ctx = qparse.parse(context, repair)[-1] if context else None
        if ctx is not None:
            queries = [_follow_up(q, ctx, repair, build.facts) for q in queries]
        parts = []
        for i, q in enumerate(queries[:MAX_PARTS]):
            if i and time.perf_counter() - started > PART_BUDGET_S:
                break  # the parts answered so far go out; the note says what was left
            # "is ha1 layer 3, and what's used for heartbeats?": a later part with no
            # subject of its own continues the earlier one.
            part_ctx = queries[i - 1] if i and not q.subjects and queries[i - 1].subjects else ctx
            parts.append(self._ask_one(build, q, top_k, part_ctx))
        answer = parts[0] if len(parts) == 1 else _combine(question, parts)
        left = len(queries) - len(parts)
        if left:
            answer.answer += (
                f"\n({left} more question{'s' if left > 1 else ''} in this message not answered: ask them separately.)"
            )
        _bound(answer)
        answer.question = question
        answer.build_id = build.build_id
        answer.timing_ms = round((time.perf_counter() - started) * 1000, 3)
        return answer

    def _ask_one(self, build: LoadedBuild, q: qparse.Query, top_k: int, ctx: qparse.Query | None) -> Answer:
        evidence, picked, sig = self._rank(build, q, top_k, ctx)
        if picked is not None and picked.abstain_reason:
            return _abstain(q, picked.abstain_reason, picked.looked_for)
        top = evidence[0] if evidence else None
        looked = (picked.looked_for if picked else "") or " ".join(sig.words) or q.text
        if top is None or (top.score < self.ranker.threshold and "guard" not in self.ablate):
            answer = _abstain(q, f"The documents do not say (looked for: {looked}).", looked)
            answer.score = round(top.score, 4) if top else None
            return answer
        return self._compose(build, q, sig, picked, evidence, looked)

    def _compose(
        self,
        build: LoadedBuild,
        q: qparse.Query,
        sig: sources.Signals,
        picked: rules.RuleResult | None,
        evidence: list[Evidence],
        looked: str,
    ) -> Answer:
        """The answer that the first of `evidence` gives, with the rest beside it."""
        top = evidence[0]
        reading = _structured_reading(top, evidence, sig, self.ranker.threshold)
        if reading is not None:
            # The winning sentence holds a fact the question asks the value of: the fact is
            # the exact reading of that same sentence, so it answers, quoting it.
            evidence = [reading] + [e for e in evidence if e is not reading]
            top = reading
        if top.source == "fact":
            answer = self._compose_fact(build, q, sig, picked, evidence)
            if answer.verdict is None and not _lacks_terms(sig, answer.facts):
                # A yes/no question answered by a row whose line says neither: its sentence
                # decides, read as a passage's is ("Group ID: ... must match on both HA peers").
                found = self._verdict(q, sig, top, evidence)
                if found is not None:
                    answer.verdict = found.verdict
                    answer.answer = f"{found.verdict.capitalize()}. {answer.answer}"
                    if found.sentence not in answer.answer:
                        answer.answer += f' Source: "{found.sentence}"'
            beside = _passage_beside(
                top, evidence, sig, build.main_product, answer.answer, build.facts, self.ranker.threshold
            )
            if beside is not None:
                answer.answer += f"\nAlso: {beside.text}"
                answer.citations.append(beside.citation)
                if (
                    answer.verdict is None
                    and not _lacks_terms(sig, answer.facts)
                    and not _names_attribute(q, answer.facts)
                ):
                    # The row says neither yes nor no ("HA2 port: UDP 29281" for "icmp sessions
                    # synced in a/p?"); the sentence quoted beside it may: its verdict is the
                    # answer's, said first, as a passage's is. A row whose attribute the question
                    # names ("sak rekey interval default?") gives the value asked: no verdict.
                    found = self._verdict(q, sig, beside, evidence)
                    if found is not None:
                        answer.verdict = found.verdict
                        answer.answer = f"{found.verdict.capitalize()}. {answer.answer}"
        else:
            answer = self._compose_passage(q, sig, evidence, build.main_product, build.facts)
        where = top.citation.scope
        if where is not None and not _is_home(where, build.main_product) and where.product_label:
            # Said for another product or a cloud: the answer says so, right after its verdict.
            answer.answer = _labelled(answer.answer, where.product_label)
        answer.score = round(top.score, 4)
        answer.looked_for = answer.looked_for or looked
        # The platform the question was read as ("3410" -> PA-3410) is the asker's own word.
        return verify(answer, f"{q.original} {q.platform or ''}")

    def evidence(self, question: str, *, top_k: int = 5) -> list[Evidence]:
        """Every candidate the sources proposed for a one-part question, scored, best
        first, the passages searched whatever the facts scored: what training the
        ranker and explaining an answer read."""
        return self.ranking(question, top_k=top_k).evidence

    def ranking(self, question: str, *, top_k: int = 5) -> Ranking:
        """`evidence` with what the engine read of the question, so that the answer any
        one candidate would give can be composed (`answer_from`): what the ranker is
        trained to put first is the candidate whose answer is right. The question is read
        as `ask` reads it first (its scope, and the documents' own product's pages for a
        question that names none): the ranker learns on the candidates it will score."""
        build = self.holder.current
        asked, text = _read_scope(build, question, None, None)
        view, reading = build, None
        if not build.uncovered(asked):
            prefer, asked, text = _prefer_sentences(build, question, asked, text)
            reading = _readings(build, asked, prefer, question, text)[0]
            view = build.scoped(reading.view)
        q = qparse.parse(reading.text if reading else question, view.vocabulary.closest)[0]
        q.original = question
        if reading is not None:
            q.scope, q.prefer = reading.scope, reading.prefer
            q.platform = q.platform or reading.scope.model
        _read_bare_model(q, view.facts)
        evidence, picked, sig = self._rank(view, q, top_k, None, exhaustive=True)
        return Ranking(view, q, sig, picked, evidence)

    def answer_from(self, ranking: Ranking, top: Evidence) -> Answer:
        """The answer the engine gives when `top` wins, the rest of the evidence beside it."""
        rest = [e for e in ranking.evidence if e is not top]
        looked = (ranking.picked.looked_for if ranking.picked else "") or " ".join(ranking.sig.words)
        return self._compose(ranking.build, ranking.q, ranking.sig, ranking.picked, [top, *rest], looked)

    def _rank(
        self, build: LoadedBuild, q: qparse.Query, top_k: int, ctx: qparse.Query | None, *, exhaustive: bool = False
    ) -> tuple[list[Evidence], rules.RuleResult | None, sources.Signals]:
        first = self._rank_once(build, q, top_k, ctx, exhaustive=exhaustive)
        evidence, picked, sig = first
        if picked is not None and picked.abstain_reason:
            return first
        if evidence and evidence[0].score >= self.ranker.threshold:
            return first  # answered as asked: no second reading needed
        chat = _chat_words(sig, evidence, build.vocabulary)
        if not chat:
            return first
        # A second reading without the everyday words no evidence uses ("customer asking:
        # ... any idea?"): chat around a question must not turn it into an abstain. The
        # better-scored reading wins; a foreign word ("dscp") is never dropped.
        vocab = build.vocabulary
        source = q.norm or q.text
        text = re.sub(
            r"[a-z0-9][a-z0-9\-']*",
            lambda m: " " if m.group(0) in chat or vocab.closest(m.group(0)) in chat else m.group(0),
            source,
        )
        text = re.sub(r"\s+", " ", text).strip(" :,-")
        if not text or text == source:
            return first
        plain = qparse.parse_one(text, q.original, vocab.closest)
        plain.asks_quantity = q.asks_quantity  # "how long": "long" is no chat, whatever the evidence
        # ... nor is what the question asks for: "ha4 ether type?" still asks an ether type
        # when "ether" is dropped, and is not "ha4?".
        plain.attributes = list(dict.fromkeys([*q.attributes, *plain.attributes]))
        second = self._rank_once(build, plain, top_k, ctx, exhaustive=exhaustive)
        best_first = evidence[0].score if evidence else 0.0
        best_second = second[0][0].score if second[0] else 0.0
        return second if best_second > best_first else first

    def _rank_once(
        self, build: LoadedBuild, q: qparse.Query, top_k: int, ctx: qparse.Query | None, *, exhaustive: bool = False
    ) -> tuple[list[Evidence], rules.RuleResult | None, sources.Signals]:
        vocab = build.vocabulary
        table = build.facts
        q.topic = [vocab.closest(w) for w in q.topic]
        ctx = _context_for(q, ctx, vocab)
        picked = None if "facts" in self.ablate else rules.answer(q, table, ctx, vocab)
        scoped = q.scope is not None and bool(
            q.scope.product or q.scope.deployment or q.scope.versions or q.scope.doc_type
        )
        if picked is not None and picked.abstain_reason and scoped:
            # The rules read the asked scope's facts only; that they hold none for it is
            # no reason to leave its passages unread.
            picked = None
        subjects = list(q.subjects) or (list(ctx.subjects) if ctx is not None else [])
        fact_source = self._fact_source(build)
        sig = sources.signals(q, table, vocab, subjects, fact_source.stems)
        if picked is not None and picked.abstain_reason:
            return [], picked, sig
        evidence: list[Evidence] = []
        if "facts" not in self.ablate:
            evidence = fact_source.candidates(sig, picked)
            self.ranker.score(evidence)
            evidence.sort(key=lambda e: -e.score)
            evidence = [e for e in evidence if _agrees(e)]
        # Confident enough to skip the passages, unless the fact is scoped to a platform the
        # question did not name: a general statement among the passages would outrank it.
        # ... and unless its answer leaves words of the question unsaid ("hsci via a switch
        # - what port mode?" answered "HSCI not supported: in this configuration"): the
        # sentence that says them is among the passages.
        confident = (
            bool(evidence)
            and evidence[0].score >= self.ranker.fast
            and evidence[0].features.get("platform", 0.0) >= 0.0
            and not _unsaid(sig, _said(evidence[0]))
        )
        if "passages" not in self.ablate and sig.words and (exhaustive or not confident):
            # Typos repaired ("ha culster size?" finds what "ha cluster size?" finds); the
            # words otherwise as asked ("a/a" is what a keyword search should look for).
            text = q.spelled or q.text
            if ctx is not None and not q.subjects and ctx.subjects:
                text = f"{' '.join(ctx.subjects)} {text}"
            try:
                # Seven passages, their sentences from the first six: a chunk that only the
                # keyword half ranks high ("multi-vsys") still falls within them after fusion.
                hits = self.retriever.search(build, text, top_k=max(top_k, RETRIEVED))
            except PassagesUnavailable as exc:
                # /readyz says so at once; the watcher reattaches when Chroma is back.
                self.holder.mark_vectors_down(build, str(exc))
                raise EngineError(f"passage search unavailable: {exc}") from exc
            passages = sources.PassageSource().candidates(
                sig,
                hits,
                table,
                depth=max(READ_DEEP, min(top_k, 8)),
                children=build.children,
                continued=build.continued,
                preceding=build.preceding,
                parents=build.parents,
            )
            if "dense" in self.ablate:
                for e in passages:
                    e.features["dense"] = 0.0
            self.ranker.score(passages)
            if _mark_deciding(q, sig, passages, self.holder.current):
                self.ranker.score(passages)
            evidence = sorted(evidence + passages, key=lambda e: -e.score)
        asked = q.scope
        if asked is not None and not asked.empty:
            # The view holds the asked scope's pages; a sentence on them may name another
            # product or deployment for itself ("On the VM-Series firewall in AWS, ...").
            evidence = [e for e in evidence if asked.admits(e.citation.scope)]
        evidence = _home_first(evidence, self.ranker.threshold, build.main_product)
        if asked is not None and (not asked.empty or q.prefer):
            evidence = _named_first(evidence, self.ranker.threshold, asked, q.prefer)
        return _in_scope([e for e in evidence if _agrees(e)], self.ranker.threshold), picked, sig

    def _fact_source(self, build: LoadedBuild) -> sources.FactSource:
        # One per facts table: a build and each of its scoped views have their own.
        key = (build.build_id, id(build.facts))
        source = self._fact_sources.get(key)
        if source is None or source.table is not build.facts:
            source = sources.FactSource(build.facts, build.vocabulary)
            if len(self._fact_sources) > 16:
                self._fact_sources.clear()
            self._fact_sources[key] = source
        return source

    def _compose_fact(
        self,
        build: LoadedBuild,
        q: qparse.Query,
        sig: sources.Signals,
        picked: rules.RuleResult | None,
        evidence: list[Evidence],
    ) -> Answer:
        """The rules' wording when the ranker agrees with their pick; otherwise the line
        for the winning fact and the facts of the same subject and attribute beside it."""
        top = evidence[0]
        assert top.fact is not None
        if top.bundle and picked is not None:
            return _fact_answer(q, _undecided(picked, sig))
        f0 = top.fact
        group = [
            e.fact
            for e in evidence
            if e.fact is not None
            and not e.bundle
            and e.fact.subject == f0.subject
            and e.fact.attribute == f0.attribute
            and e.features.get("qualifier", 0) >= top.features.get("qualifier", 0)
            and e.score >= top.score - 0.25
        ]
        result = rules.render(q, group, f0.attribute, sig.platforms, build.facts)
        result.confidence = min(result.confidence, round(top.score, 3))
        return _fact_answer(q, _undecided(result, sig))

    def _compose_passage(
        self,
        q: qparse.Query,
        sig: sources.Signals,
        evidence: list[Evidence],
        main_product: str | None,
        table: FactTable,
    ) -> Answer:
        """The best sentence (for "how do I", the best that carries the steps) and up to two
        more scored close behind it for the same product, with the lists they introduce."""
        passages = [e for e in evidence if e.source == "passage"]
        top = passages[0]
        asks_steps = _asks_for_steps(q)
        if asks_steps and not _is_procedure(top):
            # "how do I ...": the steps that do it answer, not the sentence that describes it.
            steps = [e for e in passages[1:8] if _is_procedure(e) and e.score >= top.score - PROCEDURE_BEHIND]
            if steps:
                top = steps[0]
                passages = [top] + [e for e in passages if e is not top]
        # Candidates close behind add what the first lacks (the reason after the rule, the
        # other half of "degraded vs failed"); one that brings the list it introduces goes first.
        # A question that names a product and none of its deployments ("link monitoring on
        # vm-series?") is answered for each deployment whose sentence scores close behind:
        # "on AWS" and "on ESXi" are both its answer, each said with its scope.
        sides = q.scope is None or not q.scope.deployment
        close = [
            e
            for e in passages[1:6]
            if e.score >= top.score - CLOSE_BEHIND
            and (
                _same_product(e.citation.scope, top.citation.scope, main_product)
                or (sides and _another_deployment(e.citation.scope, top.citation.scope))
            )
            # A value of the kind asked that the facts give another link is no answer for this one.
            and not (sig.shape is not None and _values_of_others(sig, " ".join([e.text, *e.items]), table))
        ]
        close.sort(key=lambda e: not e.items)
        picked = [top] + close[: MAX_SENTENCES - 1]
        sided = len({_where(e.citation.scope) for e in picked}) > 1
        # A sentence that announces a table or a list ("The following table displays which
        # deployments are supported") decides nothing itself: its rows do.
        decision = self._verdict(q, sig, top, evidence)
        for e in picked[1:]:
            if decision is not None:
                break
            # The first sentence decides nothing ("The following table displays ..."); one said
            # beside it may, and the answer quotes it.
            decision = self._verdict(q, sig, e, evidence)
        # Parts of several deployments each say their own; the first one's Yes or No is not
        # every part's ("not supported on ESXi; use path monitoring" beside AWS's "not available").
        verdict = decision.verdict if decision is not None and not sided else None
        citations = []
        parts = []
        said: set[str] = set()
        for e in picked:
            # Two windows of one passage overlap: a sentence is said once.
            # A window that already said the sentence introducing a list still lacks the list.
            fresh = [s for s in split_sentences(e.text) or [e.text] if s not in said]
            # "How do I ...": the procedure goes on to its last step, past the window scored.
            more = [s for s in e.steps if s not in said] if asks_steps and e is top else []
            fresh += more
            # A value of the kind asked that the facts give another link is not said in an
            # answer about this one ("heartbeat backup (uses port 28771 ...)" for HA1 backup).
            foreign = [s for s in (*fresh[1:], *e.items) if sig.shape is not None and _values_of_others(sig, s, table)]
            fresh = [s for s in fresh if s not in foreign]
            items = [item for item in e.items if item not in foreign]
            if not fresh and not items:
                continue
            said.update(fresh)
            lines = [" ".join(fresh)] if fresh else []
            lines += [f"- {item}" for item in items]
            part = "\n".join(lines)
            scope = e.citation.scope
            parts.append(f"{scope.product_label}: {part}" if sided and scope and scope.product_label else part)
            # The quote is what this answer says of the passage, no sentence it left out.
            quote = " ".join(s for s in split_sentences(e.text) or [e.text] if s not in foreign) if foreign else e.text
            if more:
                quote = " ".join([quote, *(s for s in more if s not in foreign)])
            if items:
                quote += "\n" + "\n".join(items)
            citations.append(e.citation.model_copy(update={"quote": quote}))
        text = _joined(parts)
        # A question asking a value, answered in words by a passage that names the setting
        # ("the Tentative Hold Time is triggered ..."): the setting's documented values too.
        scope = top.citation.scope
        values = (
            []
            if verdict
            else setting_values.named_values(
                q.norm or q.text.lower(),
                " ".join(e.text for e in picked),
                table,
                top.citation.doc_id,
                scope.product if scope else None,
            )
        )
        if values:
            text = f"{text} {rules.render(q, values, 'setting', [], table).text}"
            citations += _citations(values)
        if verdict:
            text = f"{verdict.capitalize()}. {text}"
        return Answer(
            question=q.original,
            answer=text,
            kind="passage",
            confidence=round(min(0.85, top.score), 3),
            citations=citations,
            facts=values,
            verdict=verdict,
            looked_for=" ".join(sig.words),
        )

    def _verdict(
        self, q: qparse.Query, sig: sources.Signals, top: Evidence, evidence: list[Evidence]
    ) -> verdicts.Decision | None:
        """The yes or no the winning sentence (a passage's, or a row's quote) gives a yes/no
        question, with the clause that decides it; one function for every kind of evidence."""
        if not _asks_whether(q):
            return None
        build = self.holder.current
        found = _decision(q, sig, top, build)
        chat = set(_chat_words(sig, evidence, build.vocabulary)) if found is None else set()
        if chat:
            # Chat around the question ("customer asking: ...") need not be in the clause
            # that says No; a Yes still holds every word asked (the verb of "can two models
            # share one cluster?" is no chat, whatever the candidates say).
            found = _decision(q, sig.without(chat), top, build)
            if found is not None and found.verdict == "yes":
                found = None
        return found


def _asks_whether(q: qparse.Query) -> bool:
    """A yes/no question, explicit ("does ...?") or as chat asks it tersely ("ngfw cluster
    ikev1?"): no wh-word, no attribute, nothing that asks for a value."""
    # A value attribute the topic part names ("heartbeat ports ... - shielded cable?") asks
    # nothing; an asked part that only names a model or a link ("ha1 port: pa-220?") asks
    # the topic's value of it.
    part = qparse.asked_part(q.norm or q.text.lower())
    cued = qparse.cue_attributes(part) if q.norm and not lexicon.only_names(part) else q.attributes
    # A value the asked part states itself ("lacp on layer 2 ae interfaces?"), or a
    # predicate it says ("... synced in a/p?"), is asked whether, not for.
    said = qparse.asked_part(q.text.lower())
    valued = {
        a
        for a in set(q.attributes) & set(cued) & sources.VALUE_SHAPES.keys()
        if not sources.asks_whether_of_value(a, said)
    }
    terse = (
        not q.has_wh
        and not valued
        and q.original.strip().endswith("?")
        and not _ASKS_VALUE.search(q.text)
        and not _VALUE_OF.match(part)
    ) or bool(rules.TERSE_OK.search(q.text.lower()))
    return q.yes_no or terse


# How many of a yes/no question's best passages are read for their verdict: a clause
# reading per candidate costs about 0.1 ms, and the feature reorders the best few.
DECIDE_DEPTH = 12


def _decision(q: qparse.Query, sig: sources.Signals, e: Evidence, build: LoadedBuild) -> verdicts.Decision | None:
    """The yes or no that candidate `e` gives the question, read as the answer reads it:
    the vocabulary and the slash compounds of the whole build, whatever view asked."""
    return verdicts.decide(
        sig,
        e.text,
        e.items,
        explicit=q.yes_no,
        rare=build.vocabulary.max_idf * 0.5,
        label=e.citation.section.split(" > ")[-1],
        known=build.facts.compounds,
        page=build.page_compounds.get(e.citation.doc_id),
    )


def _mark_deciding(q: qparse.Query, sig: sources.Signals, passages: list[Evidence], build: LoadedBuild) -> bool:
    """For a yes/no question, which of the best sentences decide it (feature "decides"):
    one that only announces a list, or speaks of the topic without saying yes or no of
    it, answers less than one that does, however much of the question it holds. `passages`
    are scored; returns whether any feature was set (they need scoring again)."""
    if not _asks_whether(q):
        return False
    for e in sorted(passages, key=lambda e: -e.score)[:DECIDE_DEPTH]:
        e.features["decides"] = 1.0 if _decision(q, sig, e, build) is not None else 0.0
    return True


def _structured_reading(
    top: Evidence, evidence: list[Evidence], sig: sources.Signals, threshold: float
) -> Evidence | None:
    if top.source != "passage" or sig.shape is None or sig.asks == "why":
        # "why do we need a hold time?" asks for the reason, not the value beside it.
        return None
    for e in evidence:
        if e.source != "fact" or e.fact is None or not sig.shape.search(e.fact.value):
            continue
        f = e.features
        # The top passage passed the guard, so the question is answered; the answer is
        # the exact reading: the same sentence read as a fact, or a fact that carries what
        # the question pins down (the link, the attribute and the qualifier it names or negates).
        # A precise fact from elsewhere must pass the guard itself: one that matches the
        # link and a qualifier but leaves the rest of the question ("rekey ... default vs
        # range") uncovered is not a reading of what was asked.
        precise = f.get("subject") == 1 and f.get("attribute") == 1 and f.get("qualifier") == 1
        # A sentence that announces a list or a table is answered by its rows: the fact
        # read from the sentence alone says less than it brings.
        same_sentence = e.fact.quote in top.text and not top.items
        if (same_sentence and (precise or e.score >= threshold)) or (precise and e.score >= threshold):
            return e
    return None


_STEPS_ASKED = re.compile(
    r"\b(?:how|where)\s+(?:do|can|should|would|could|must)\s+(?:i|we|you|one)\b|\bhow\s+to\b|\bhow\W*$"
    # ... or names the steps themselves as what it asks ("steps to ...", "... - config steps?").
    r"|\bsteps\s+(?:to|for)\b|\bsteps\W*$"
)


def _asks_for_steps(q: qparse.Query) -> bool:
    """A question that asks how (or where) its asker does something ("how do I", "where
    can I", "how to"), or ends on a bare "how" that stands for it ("... - how?"), or asks
    for the steps by name ("steps to ...", "... steps?"): English grammar's agent after the
    wh-word, not a list of phrasings."""
    return bool(_STEPS_ASKED.search(q.norm or q.text.lower()))


def _is_procedure(e: Evidence) -> bool:
    """A candidate that carries the steps of a procedure, with those that carry on after
    it: three instructions at least ("Select ...", "In Device > Setup, edit ..."). Two are
    often a reference page's advice ("Enable and configure either ... Configure at least
    one ..."), or an instruction and a field's description in the list it introduces
    ("Specify the following: - Enabled —... "): with two, those took the place of the
    task's steps."""
    lines = [*split_sentences(e.text), *e.items, *e.steps]
    told = sum(1 for line in lines if sources.is_instruction(line))
    return told >= 3


def _same_product(a: Scope | None, b: Scope | None, main_product: str | None) -> bool:
    """Whether two quotes hold for the same product and deployment: what is quoted beside
    an answer must hold where the answer holds (a CN-Series sentence is no addition to a
    firewall answer)."""

    def where(scope: Scope | None) -> tuple[str | None, str | None]:
        if scope is None:
            return (main_product, None)
        return (scope.product or main_product, scope.deployment)

    return where(a) == where(b)


def _joined(parts: list[str]) -> str:
    """The parts of a passage answer, one after another; a part that ends with a list item
    ends its line, so the next part is no more of the item."""
    text = parts[0] if parts else ""
    for before, part in zip(parts, parts[1:], strict=False):
        text += ("\n" if before.rsplit("\n", 1)[-1].startswith("- ") else " ") + part
    return text


def _where(scope: Scope | None) -> tuple[str | None, str | None]:
    return (scope.product, scope.deployment) if scope else (None, None)


def _another_deployment(a: Scope | None, b: Scope | None) -> bool:
    """Two scopes of one named product in two of its deployments (VM-Series on AWS, on ESXi)."""
    return (
        a is not None and b is not None and bool(a.product) and a.product == b.product and a.deployment != b.deployment
    )


def _said(e: Evidence) -> str:
    """What a fact candidate's answer line says: the rules' wording for their bundle, else
    the fact's link, attribute, value, qualifier and platforms."""
    if e.bundle:
        return e.rendered or ""
    f = e.fact
    if f is None:
        return e.text
    return " ".join([f.subject, rules.label(f.attribute), f.value, f.qualifier or "", f.protocol or "", *f.platforms])


def _values(shape: re.Pattern[str], text: str) -> set[str]:
    """The values of a shape a text states, not the digits of a name ("PA-7500")."""
    return {
        m.group(0).lower()
        for m in shape.finditer(text)
        if not re.match(r"[\w-]", text[max(m.start() - 1, 0) : m.start()])
    }


def _unsaid(sig: sources.Signals, said: str) -> list[str]:
    """The question's words an answer's text does not say."""
    have = tx.stems_of(said)
    return [w for w in sig.words if not sources.holds(sig, w, have)]


def _passage_beside(
    top: Evidence,
    evidence: list[Evidence],
    sig: sources.Signals,
    main_product: str | None,
    said: str,
    table: FactTable,
    threshold: float,
) -> Evidence | None:
    """A sentence scored close behind a fact answer (or, further behind, one that passes the
    guard and says a good part of what is unsaid) that holds words of the question the
    answer does not say ("hsci via a switch - what port mode?": the answer says what is not
    supported, the sentence beside it says trunk mode): quoted after the fact, cited. What
    the answer says is its text, not the quotes behind its facts, which it may not show."""
    missing = _unsaid(sig, said)
    if not missing:
        return None
    # When the answer states the value asked, the sentence may not add another ("IP
    # (protocol number 99) or UDP (port 29281)" beside the UDP port); values the question
    # itself names are no addition.
    shape = sig.shape if sig.shape is not None and _values(sig.shape, said) else None
    known = _values(shape, f"{said} {sig.query.norm or sig.query.text}") if shape is not None else set()
    # Values the answer or the question already say belong to the link asked.
    named = _values(sig.shape, f"{said} {sig.query.norm or sig.query.text}") if sig.shape is not None else set()
    for e in evidence[1:8]:
        if e.source != "passage" or not _agrees(e):
            continue
        stems = sources.evidence_stems(e)
        if e.score < top.score - CLOSE_BEHIND:
            # Far behind a confident fact, a sentence is still quoted when it would answer on
            # its own and says a good part of the question that the fact leaves unsaid: how
            # far the fact scores above the guard is no measure of what the sentence adds.
            adds = sum(sig.weights[w] for w in missing if sources.holds(sig, w, stems))
            if e.score < threshold or adds < BESIDE_SHARE * sig.total:
                continue
        if not _same_product(e.citation.scope, top.citation.scope, main_product):
            continue
        if shape is not None and _values(shape, e.text) - known:
            continue
        if sig.shape is not None and _values_of_others(sig, e.text, table, named):
            continue
        if e.features.get("polar", 0.0) < 0:
            continue
        sentences = split_sentences(e.text)
        shown = [t for t in sentences if t.strip() and t.strip() not in said]
        if len(shown) < len(sentences):
            # The answer already quotes the window's first sentences: what is beside it is
            # the rest, if the rest says what is missing.
            if not shown:
                continue
            rest = " ".join(shown)
            if not any(sources.holds(sig, w, tx.stems_of(rest)) for w in missing):
                continue
            return dataclasses.replace(e, text=rest)
        if any(sources.holds(sig, w, stems) for w in missing):
            return e
    return None


def _values_of_others(sig: sources.Signals, text: str, table: FactTable, named: set[str] | None = None) -> bool:
    """The sentence holds a value of the shape asked that the facts table gives only to
    links other than the one asked, as the kind of value asked ("uses port 28771" is
    heartbeat backup's port, beside an answer about the HA1 backup link; a range's "10" that
    is some other setting's default is no link's port)."""
    assert sig.shape is not None
    if not sig.subjects:
        return False
    named = named if named is not None else _values(sig.shape, sig.query.norm or sig.query.text)
    for value in _values(sig.shape, text) - named:
        owners = {f.subject for f in table.by_value(value) if not sig.groups or f.attribute in sig.groups}
        if owners and not owners & set(sig.subjects):
            return True
    return False


def _chat_words(sig: sources.Signals, evidence: list[Evidence], vocab: Vocabulary) -> list[str]:
    """Everyday English words of the question that no candidate uses: chat, not topic.
    Words the documents never use and English rarely does ("dscp") are the topic and stay."""
    if not evidence or len(sig.words) < 2:
        return []
    used: set[str] = set()
    for e in evidence[:40]:
        used |= sources.evidence_stems(e)
    out = []
    for w in sig.words:
        if any(ch.isdigit() for ch in w) or vocab.foreign(w) or tx.negator(w):
            continue
        if not (sig.expand.get(w, frozenset()) & used) and tx.specificity(w) < 0.8:
            out.append(w)
    # Chat surrounds a question; it is not all of it but the model asked about. "what is
    # the price of a PA-3260?" without "price" would be a question about the PA-3260.
    model = (sig.query.platform or "").lower()
    rest = [w for w in sig.words if w not in out and w != model]
    return out if rest else []


def _agrees(e: Evidence) -> bool:
    """Evidence that contradicts what the question pins down is no answer at any score:
    a value must come from a sentence about the link, the platform and the qualifier
    asked ("without encryption" is not answered by the encrypted port)."""
    f = e.features
    return f.get("qualifier", 0.0) >= 0 and f.get("subject", 0.0) >= 0 and f.get("platform", 0.0) > -1


def _is_home(scope: Scope | None, main_product: str | None) -> bool:
    """Evidence about what most documents are about: not another product, not a cloud."""
    return scope is None or (scope.product in (None, main_product) and not scope.deployment)


def _home_first(evidence: list[Evidence], threshold: float, main_product: str | None) -> list[Evidence]:
    """What holds for the documents' own product answers before what another product or a
    cloud deployment says, when it answers at all: a CN-Series sentence is not the answer
    for a firewall, unless nothing else is."""
    if all(_is_home(e.citation.scope, main_product) for e in evidence):
        return evidence
    home = [e for e in evidence if _is_home(e.citation.scope, main_product)]
    if not home or home[0].score < threshold:
        return evidence
    return home + [e for e in evidence if not _is_home(e.citation.scope, main_product)]


def _names_asked(scope: Scope | None, asked: QuestionScope, prefer: str | None) -> bool:
    if scope is None:
        return False
    if asked.deployment and scope.deployment != asked.deployment:
        return False
    wanted = asked.product or prefer
    return not wanted or scope.product == wanted


def _named_first(
    evidence: list[Evidence], threshold: float, asked: QuestionScope, prefer: str | None
) -> list[Evidence]:
    """Evidence that is about the asked product and deployment themselves answers before
    what merely does not contradict them (a page for every deployment)."""
    named = [e for e in evidence if _names_asked(e.citation.scope, asked, prefer)]
    if not named or named[0].score < threshold or len(named) == len(evidence):
        return evidence
    return named + [e for e in evidence if not _names_asked(e.citation.scope, asked, prefer)]


def _in_scope(evidence: list[Evidence], threshold: float) -> list[Evidence]:
    """A question that names no platform is answered by what holds generally when the
    documents say it generally: a statement scoped to one platform steps back. A question
    that names one is answered by what is said of it, when that answers: the general
    statement is what holds where nothing more particular is said ("use the management
    port for HA1" is not what a PA-7000 Series firewall does), and close behind the best:
    a sentence that only names the platform while saying something else steps back."""
    named = [e for e in evidence if e.features.get("platform", 0.0) > 0.0]
    if named and named[0].score >= max(threshold, evidence[0].score - CLOSE_BEHIND):
        return named + [e for e in evidence if e.features.get("platform", 0.0) <= 0.0]
    general = [e for e in evidence if e.features.get("platform", 0.0) == 0.0 and e.score >= threshold]
    if not general:
        return evidence
    return [e for e in evidence if e.features.get("platform", 0.0) >= 0.0] + [
        e for e in evidence if e.features.get("platform", 0.0) < 0.0
    ]


def _follow_up(q: qparse.Query, ctx: qparse.Query, repair: Callable[[str], str], table: FactTable) -> qparse.Query:
    """'and a pa-3220?' after 'does a PA-440 have dedicated HA ports?' is that question
    about the PA-3220: a follow-up that names only a platform is the thread's question
    with its platform replaced (or added), read, searched and ranked as a whole."""
    if not q.platform or q.subjects or q.attributes or q.topic or q.numbers or q.hexes or not ctx.text:
        return q
    said = q.platform_said or q.platform
    if ctx.platform:
        digits = re.sub(r"\D", "", ctx.platform)
        text, n = re.subn(rf"(?<![\w-])(?:pa[\s-]?)?{digits}(?![\w-])", said, ctx.text, count=1, flags=re.I)
        if not n:
            return q
    else:
        text = f"{ctx.text.rstrip(' ?.!')} on a {said}?"
    merged = qparse.parse(text, repair)[-1]
    merged.original, merged.scope, merged.prefer = q.original, q.scope, q.prefer
    merged.platform = merged.platform or q.platform
    _read_bare_model(merged, table)
    return merged


def _context_for(q: qparse.Query, ctx: qparse.Query | None, vocab: Vocabulary) -> qparse.Query | None:
    """An earlier question of the thread fills only what this one lacks. A question
    with a topic of its own that the documents never speak of ("what is the capital
    of France") is not a follow-up, whatever came before."""
    if ctx is None:
        return None
    if q.subjects and q.platform:
        return None
    words = qparse.content_words(q.text)
    if any(w not in vocab and vocab.foreign(w) for w in words):
        return None
    known = [w for w in words if w in vocab]
    if words and not known and not (q.platform or q.numbers or q.hexes):
        return None
    return ctx


# "file type of a log export?", "size of an ha cluster?": a noun of something asks for
# its value, whatever the noun; a quantifier ("lots of", "any of") asks nothing.
_VALUE_OF = re.compile(
    r"^(?:the\s+|a\s+)?(?!(?:any|none|all|both|one|lots|some|each|most|many|few|either|neither|plenty)\b)"
    r"[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s+of\s+\S"
)
_ASKS_VALUE = re.compile(r"\b(?:range|max|maximum|min|minimum|value|time|timer|vs|versus|or|many|much)\b", re.I)


# A word rarer in English than this names a term ("encryption", "clustering", "macsec");
# "support", "address", "interface" are everyday words.
TERM_SPECIFICITY = 0.75


def _undecided(result: rules.RuleResult, sig: sources.Signals) -> rules.RuleResult:
    """A family's fact says Yes or No for the model asked only of what it is about (see
    `_lacks_terms`): otherwise its line is said without a verdict."""
    if result.polarity is None or not _lacks_terms(sig, result.facts):
        return result
    text = re.sub(r"^(?:Yes|No)\. ", "", result.text)
    return dataclasses.replace(result, polarity=None, text=text)


def _names_attribute(q: qparse.Query, facts: list[Fact]) -> bool:
    """Whether the question names the attribute of one of the facts, as answers label it
    ("default", "range"): it asks that value."""
    asked = tx.stems_of(q.norm or q.text)
    return any(tx.stems_of(attributes.label(f.attribute)) <= asked for f in facts)


def _lacks_terms(sig: sources.Signals, facts: list[Fact]) -> bool:
    """Whether facts answering a question about a model fail to say one of its terms (a
    word rare in English: "preemption", "encryption", "ipv6"; the model is where the
    question holds, not a term of it): "PA-3200 Series firewalls don't support an IPv6
    address for the HA1-backup link" decides nothing of "does the pa-3220 support
    preemption?", neither through the rules' line nor read as a sentence."""
    if not facts or not sig.platforms:
        return False
    stems = frozenset().union(*(sources.fact_stems(f) for f in facts))
    said = (sig.query.platform_said or "").lower()
    # The model's words: those ranking leaves out, and a bare number read as it ("a 440").
    model = {w for w in sig.words if w in sig.where or w == said or lexicon.canonical_model(w) == sig.query.platform}
    terms = [w for w in sig.words if w not in model and tx.specificity(w) >= TERM_SPECIFICITY]
    # ... nor its topic, however common in English ("access mode", "path monitoring"): the
    # word that weighs most in the documents and in English alike (not "support").
    rest = [w for w in sig.words if w not in model]
    if rest:
        terms.append(max(rest, key=lambda w: sig.weights[w] * tx.specificity(w)))
    return not all(sources.holds(sig, w, stems) for w in terms)


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
        # The verdict the line opens with, as a field too (a fact answer's "Yes."/"No.").
        verdict=None if result.polarity is None else ("yes" if result.polarity else "no"),
    )


# Work and size per request: a message answers at most MAX_PARTS questions, starts no
# new one after PART_BUDGET_S, and says at most MAX_ANSWER_CHARS (every citation stays:
# each value said is still backed); past these a message asks for a report, not an answer.
MAX_PARTS = 4
# A backstop, not the bound: MAX_PARTS bounds the work. At 0.15 s a loaded machine dropped
# the second part of ordinary two-part questions, so the same message got another answer
# depending on the load; a second is far above what four parts take (tens of ms).
PART_BUDGET_S = 1.0
MAX_ANSWER_CHARS = 3000


def _bound(answer: Answer) -> None:
    if len(answer.answer) > MAX_ANSWER_CHARS:
        cut = answer.answer[:MAX_ANSWER_CHARS]
        end = max(cut.rfind("\n"), cut.rfind("; "), cut.rfind(". "))
        answer.answer = (
            cut[: end if end > MAX_ANSWER_CHARS // 2 else MAX_ANSWER_CHARS].rstrip(" ;")
            + " [cut: ask a narrower question]"
        )


def _citations(facts: list[Fact]) -> list[Citation]:
    """One citation per sentence: the same sentence on the pages of several versions is
    one source that lists its versions, not several sources."""
    seen: OrderedDict[tuple[str, str], Citation] = OrderedDict()
    for f in facts:
        # The section stays part of the key: a row label there names the platform a
        # value is for, and the answer's check reads it.
        key = (" ".join(f.quote.split()).casefold(), f.section)
        cited = seen.get(key)
        if cited is None:
            seen[key] = f.citation
        elif f.scope is not None and cited.scope is not None and f.scope != cited.scope:
            seen[key] = cited.model_copy(update={"scope": cited.scope.merged(f.scope)})
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
            out.append(
                Conflict(subject=subject, attribute=attribute, values=list(values), sources=list(values.values()))
            )
    return out


MAX_OTHER_SCOPES = 4  # lines of other products' values, each with its quote


def _add_other_scopes(answer: Answer, build: LoadedBuild) -> None:
    """A question that names no scope, answered for the documents' own product: where
    another product or a cloud documents the same setting with another value, the answer
    says so, each value with its scope and the sentence it comes from ("Panorama: Ping
    Count default 3 ("... default is 3)")")."""
    said = {(f.subject, f.attribute, f.qualifier or ""): f for f in answer.facts}
    values = {
        key: {norm_value(f.value) for f in answer.facts if (f.subject, f.attribute, f.qualifier or "") == key}
        for key in said
    }
    # One line per product and sentence: the values one sentence gives are said together.
    lines: dict[tuple[str, str], list[Fact]] = {}
    for key, first in said.items():
        for f in build.facts.by_subject(first.subject):
            if (f.subject, f.attribute, f.qualifier or "") != key or f.scope is None:
                continue
            if _is_home(f.scope, build.main_product) or norm_value(f.value) in values[key]:
                continue
            values[key].add(norm_value(f.value))
            lines.setdefault((f.scope.product_label, f.quote.strip()), []).append(f)
    if not lines:
        return
    shown = list(lines.items())[:MAX_OTHER_SCOPES]
    text = []
    for (product, quote), facts in shown:
        stated = "; ".join(
            f"{f.subject} {rules.label(f.attribute)} {f.value}" + (f" ({f.qualifier})" if f.qualifier else "")
            for f in facts
        )
        text.append(f'{product}: {stated} ("{quote}")')
    _say_other_products(answer, text, [f for _, facts in shown for f in facts])


def _say_other_products(answer: Answer, lines: list[str], facts: list[Fact]) -> None:
    """Append what other products document ("Other products differ: ..."), with the facts
    and citations that back each line."""
    answer.answer += "\nOther products differ: " + "; ".join(lines) + "."
    answer.facts = answer.facts + facts
    cited = {(c.quote, c.section) for c in answer.citations}
    answer.citations = answer.citations + [c for c in _citations(facts) if (c.quote, c.section) not in cited]


# Of another product's statement, the share of the question's weight it must say to be
# the same question answered the other way there.
OTHER_VERDICT_COVERAGE = 0.6
_VERDICT_OF = {"not-supported": "no", "can-use": "yes"}


def _add_other_verdicts(answer: Answer, build: LoadedBuild, question: str) -> None:
    """A yes or no that names no scope, answered for the documents' own product: where
    another product's documents say the opposite of the same thing, the answer says so,
    with its scope and sentence ("CN-Series on AWS: No ("... does not support backup
    links for HA1 or HA2.")")."""
    said = {(c.quote or "").strip() for c in answer.citations}
    # The other products' statements of the opposite, found by the links the message names
    # (a lookup) before the question is read again (a parse): most answers have none.
    opposite = [
        f
        for subject in lexicon.links_in(question)
        for f in build.facts.by_subject(subject)
        if _VERDICT_OF.get(f.attribute, answer.verdict) != answer.verdict
        and f.scope is not None
        and not _is_home(f.scope, build.main_product)
        and f.quote.strip() not in said
    ]
    if not opposite:
        return
    q = qparse.parse(question, build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    lines: dict[tuple[str, str], Fact] = {}
    for f in opposite:
        if f.subject not in q.subjects:
            continue
        covered, _ = sources.coverage(sig, tx.stems_of(f.quote))
        if covered >= OTHER_VERDICT_COVERAGE:
            lines.setdefault((f.scope.product_label if f.scope else "", f.quote.strip()), f)
    if not lines:
        return
    shown = list(lines.items())[:MAX_OTHER_SCOPES]
    _say_other_products(
        answer,
        [f'{product}: {_VERDICT_OF[f.attribute].capitalize()} ("{quote}")' for (product, quote), f in shown],
        [f for _, f in shown],
    )


def _labelled(text: str, label: str) -> str:
    """'No. CN-Series on AWS: HA1 not supported: ...': the verdict first, then the scope."""
    verdict = re.match(r"(?:Yes|No)\. ", text)
    head = verdict.group(0) if verdict else ""
    if text[len(head) :].startswith(f"{label}: "):
        return text  # an answer of several scopes says each part's own
    return f"{head}{label}: {text[len(head) :]}"


def _read_scope(
    build: LoadedBuild, question: str, scope: QuestionScope | None, version: str | None
) -> tuple[QuestionScope, str]:
    """The scope a question asks (its own words, then the API's `scope` and `version`) and
    the question without the words that named it."""
    # Slack markup around a scope ("*8.1* heartbeat backup port?", "<@U1> 8.0 ...") is
    # not part of it: the scope is read from the message as the rest of it is.
    named = read_question_scope(qparse.clean_chat(question), build.scope_vocabulary)
    if _names_home_only(named.scope, build.main_product):
        # "ngfw cluster ...": the documents' own product named as part of a feature's
        # name is no restriction, and its words stay in the question.
        named = ScopedQuestion(
            scope=QuestionScope(model=named.scope.model, families=named.scope.families), text=question
        )
    asked = _asked_scope(named.scope, scope, version)
    return asked, (named.text if named.text.strip() else question)


def _prefer_sentences(
    build: LoadedBuild, question: str, asked: QuestionScope, text: str
) -> tuple[str | None, QuestionScope, str]:
    """(prefer, asked, text) for a product no page is about, only sentences of the main
    product's pages ("The VM-Series firewall on Azure ..."): those pages are where it is
    answered, and the sentences that name it come first."""
    if asked.product and asked.product != build.main_product and not build.documents_of(asked.product):
        prefer = asked.product
        asked = dataclasses.replace(asked, product=None, product_name=None)
        if not asked.versions:
            text = question  # its name is what the sentences to find say
        return prefer, asked, text
    return None, asked, text


@dataclasses.dataclass(frozen=True)
class _Reading:
    """One way to read what a question's scope is, tried in order until one answers."""

    view: QuestionScope  # whose pages answer
    scope: QuestionScope  # what the question is taken to ask for
    text: str
    prefer: str | None = None
    home: bool = False  # the documents' own product, taken as the default
    topic: str | None = None  # a product named as the topic: the evidence's page must name it


def _readings(build: LoadedBuild, asked: QuestionScope, prefer: str | None, question: str, text: str) -> list[_Reading]:
    if not asked.product and not prefer and build.main_product:
        # A question that names no product is answered for the documents' own product first
        # (in the version, cloud or kind of page it names, if any). That view is a default,
        # not a scope the user asked: the rules' abstains ("no document names HA5") stand.
        # With nothing there, what another product or a cloud deployment says is still
        # worth saying, labelled with its scope.
        home = dataclasses.replace(asked, product=build.main_product, product_name=None)
        return [_Reading(home, asked, text, home=True), _Reading(asked, asked, text)]
    readings = [_Reading(asked, asked, text, prefer)]
    if asked.product and not (asked.versions or asked.deployment or asked.doc_type or _opens_with(question, asked)):
        # "config pushed from panorama syncs between peers?": a product named as the topic,
        # not the scope. What the documents' own product says may answer.
        own = QuestionScope(product=build.main_product, model=asked.model, families=asked.families)
        readings.append(_Reading(own, own, question, topic=asked.product_name or asked.product))
    return readings


def _opens_with(question: str, asked: QuestionScope) -> bool:
    """Whether the question opens with the product's name as its heading ("panorama: ha1
    encryption?", "Panorama - ..."): the scope it is asked in, the way "12.1 help:" is, not
    a topic of the documents' own product."""
    text = qparse.clean_chat(question)
    names = {n for n in (asked.product_name, asked.product) if n}
    return any(re.match(rf"^\W*{re.escape(n)}\s*[:\u2013\u2014-]\s", text, re.I) for n in names)


# Units a number is read in: a number followed by one is a quantity, not a model.
_UNIT = attributes.UNIT


def _read_bare_model(q: qparse.Query, table: FactTable) -> None:
    """ "a/p on a 3410, ha2 udp ok?": a bare number that names a documented model (PA-3410,
    of the PA-3400 Series) and is no value the documents state is the platform asked, not
    a port to look for."""
    if q.platform is not None:
        return
    for number in q.numbers:
        model = f"PA-{number}"
        # A number inside a name ("802.1x", "10.2", "ethernet1/3") or with a unit after it
        # ("7000 ms") is no model; nor is one the documents state as a value ("7,000").
        alone = re.search(rf"(?<![\w./-]){re.escape(number)}(?![\w./-])(?!\s*{_UNIT})", q.text, re.I)
        stated = table.holding_number(number)
        if alone and not stated and table.resolve(model):
            q.platform, q.platform_said = model, number
            q.numbers = [n for n in q.numbers if n != number]
            # Searched as the named model is: the same passages as for "a pa-440".
            q.text = f"{q.text[: alone.start()]}{model.lower()}{q.text[alone.end() :]}"
            for name in ("norm", "spelled"):  # every reading of the text says the model
                if getattr(q, name):
                    said = re.sub(
                        rf"(?<![\w./-]){re.escape(number)}(?![\w./-])", model.lower(), getattr(q, name), count=1
                    )
                    setattr(q, name, said)
            return


def _names_home_only(named: QuestionScope, main_product: str | None) -> bool:
    return (
        named.product is not None
        and named.product == main_product
        and not (named.deployment or named.versions or named.doc_type)
    )


def _asked_scope(named: QuestionScope, given: QuestionScope | None, version: str | None) -> QuestionScope:
    """The scope asked: what the caller set (the API's scope, a Slack user's default),
    with what the question names on top, and `version` where neither names one."""
    fields = {k: v for k, v in vars(given).items() if v} if given is not None else {}
    fields.update({k: v for k, v in vars(named).items() if v})
    if version and version.strip() and not fields.get("versions"):
        fields["versions"] = (version.strip(),)
    return QuestionScope(**fields)


def _scope_abstain(question: str, uncovered: list[str], covered: str) -> Answer:
    what = ", ".join(uncovered)
    text = f"The documents do not cover {what}" + (f"; they cover: {covered}." if covered else ".")
    return Answer(question=question, answer=text, kind="abstain", confidence=0.0, looked_for=what)


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
