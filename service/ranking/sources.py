"""Sources turn a question into candidate evidence with its features.

`FactSource` proposes rows of the facts table (the rows the lookup rules picked,
every row of the subjects and platform asked, reverse lookups by value, and the
rows whose words cover the question); `PassageSource` proposes the sentences of
the passages hybrid retrieval found, each with the list items it introduces.
Both describe a candidate with the same features, so they compete on one score.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from hakb import attributes
from hakb.ingest import lexicon
from hakb.ingest.models import Chunk, Fact
from hakb.ingest.scope import ENVIRONMENTS, environment_key, sentence_scope
from hakb.service import question as qparse
from hakb.service import rules
from hakb.service.facts_table import FactTable, numbers_in
from hakb.service.ranking import text as tx
from hakb.service.ranking.evidence import Evidence
from hakb.service.retrieval import Hit
from hakb.service.vocabulary import SMALL_WORDS, Vocabulary
from hakb.text import split_sentences

_STEP = re.compile(
    r"^\(?(?:optional\)\s*)?(?:select|click|enter|go|configure|set|navigate|open|choose|add|edit|run)\b", re.I
)
# An instruction of a procedure is an imperative: a verb of acting on the interface opens
# the sentence, or the main clause after a lead-in phrase that says where or when ("In
# Device > High Availability > General, edit ...", "For Type, select ...", "If you use IP,
# enter ..."). The lead-ins are English prepositions and subordinators, a closed class.
# A command typed at a CLI prompt ("admin@PA-3250# set deviceconfig ...", "username@hostname>
# request ...") is an instruction too. Either may follow the parentheses that say when it
# applies ("(Optional)", "(PAN-OS 11.1.7 and later 11.1 releases)", "(HA1 Backup is
# configured)"). Wider than _STEP, which the ranker's weights, its windows and the verdict
# reading were fitted with: this one only says how far a procedure goes.
_CONDITIONS = r"(?:\([^()]{1,80}\)\s*)*"
_LEAD_IN = r"(?:(?:in|on|for|from|under|within|at|if|when|after|before|once|then|to)\b[^.;:]{0,100}?,\s*)?"
_INSTRUCTION = re.compile(
    "^" + _CONDITIONS + r"(?:[\w.-]+@[\w.-]+[>#]|" + _LEAD_IN + r"(?:select|click|enter|go|configure|set|navigate"
    r"|open|choose|add|edit|run|enable|disable|define|specify|create|delete|remove|modify|change|commit|save|push"
    r"|view|access|verify|confirm|check|ensure|perform|repeat|connect|restore|export|import|expand|wait|log\s+in)\b)",
    re.I,
)
# A field's description in a reference list: its label, then a dash ("Enable Session
# Synchronization —Enable synchronization of ...", "Failure Condition —Select whether ...").
_LABELLED = re.compile(r"^[^.,;:—]{1,60}?\s*—")
_NUMBERISH = re.compile(r"\b0x[0-9a-f]+\b|\b\d+\b", re.I)
_MAX_ITEMS = 16
# What a value of an attribute looks like in a sentence: a question that asks for a
# port is not answered by a sentence without a number in it.
VALUE_SHAPES = attributes.SHAPES


def states_value(attribute: str, text: str) -> bool:
    """Whether `text` says a value of the attribute's shape ("layer 3" for the layer; a
    model's digits, "pa-7080", are none)."""
    return bool(VALUE_SHAPES[attribute].search(lexicon.without_models(text)))


# A past participle after its noun, before a preposition or at the end ("arp entries
# synced in a/a?", "mtu setting copied to the other peer?"): a predicate of that noun,
# which a terse question asks whether it holds. Before a noun it names a kind instead
# ("ha1 encrypted port?"). ("-eed" is no participle: "speed", "need".)
_PREDICATE = re.compile(
    r"\b[a-z][\w/-]*\s+[a-z]{2,}(?<!e)ed"
    r"(?=\s+(?:in|on|to|with|between|across|from|over|by|at|into|onto)\b|\s*\??\s*$)",
    re.I,
)


def asks_whether_of_value(attribute: str, text: str) -> bool:
    """Whether a terse question (`text`, as asked) that cues a value attribute asks whether
    rather than for the value: it states the value ("lacp on layer 2 ae interfaces?"), or
    says a predicate of its topic ("arp entries synced in a/a?")."""
    return states_value(attribute, text) or bool(_PREDICATE.search(text))


@dataclass
class Signals:
    """What the question gives ranking: weighted words, slots and qualifiers."""

    query: qparse.Query
    words: list[str]  # content words, snapped to the documents' spelling
    weights: dict[str, float]
    rarest: str | None
    unknown: float  # share of the question's weight the documents never use
    foreign: float  # share of it in words that are rare in English too ("clusterxl", "dscp")
    subjects: list[str]
    groups: set[str]  # attributes that answer what is asked
    platforms: list[str]  # documented names for the platform asked
    values: list[str]  # numbers and hex values named in the question
    polar: dict[str, int] = field(default_factory=dict)  # stem -> polarity in the question
    expand: dict[str, frozenset[str]] = field(default_factory=dict)  # word -> the document stems it covers
    # word -> other ways the documents say it, each a set of stems that must all be there:
    # an acronym they define and the words it stands for ("dpc" and "data processing cards").
    spelled_out: dict[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    # The words that name the model asked, when the documents cover it: where the question
    # holds (the platform feature reads it), not what it asks, so no share of its coverage.
    where: frozenset[str] = frozenset()
    asks: str | None = None  # the question's wh-word when it is "how" or "why"
    wh: str | None = None  # the question's first wh-word, whichever it is
    shape: re.Pattern[str] | None = None  # the shape of the value asked for, if one is

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0

    def without(self, drop: set[str]) -> Signals:
        """The same question less some of its words (chat around it, a modal auxiliary)."""
        if not drop & set(self.words):
            return self
        return replace(
            self,
            words=[w for w in self.words if w not in drop],
            weights={w: v for w, v in self.weights.items() if w not in drop},
        )


def signals(
    q: qparse.Query,
    table: FactTable,
    vocab: Vocabulary,
    subjects: list[str] | None = None,
    stems: tx.StemIndex | None = None,
) -> Signals:
    words = [vocab.closest(w) for w in qparse.content_words(q.text, vocab.closest)]
    words = list(dict.fromkeys(words))
    floor = min(vocab.idf.values(), default=1.0)
    # A word the documents never use that is ordinary English ("customer", "asking")
    # is chat around the question: it weighs like the commonest document word.
    weights = {w: (vocab.weight(w) if w in vocab or vocab.foreign(w) else floor) for w in words}
    known = [w for w in words if w in vocab]
    total = sum(weights.values()) or 1.0
    # A model named and documented (itself or its family) is read, the platform slot,
    # whether or not a page spells it: a PA-3260 that only the PA-3200 Series pages cover
    # is no word the question is lost on. A bare number read as a model ("udp 5407") is a
    # guess, and stays as strange as it was.
    named = q.platform is not None and not (q.platform_said or "").isdigit() and bool(table.resolve(q.platform))
    read = tx.stems_of(f"{q.platform} {q.platform_said or ''}") if named else frozenset()
    # So is a number the documents state inside a range ("udp 5405" of "5404–5406 UDP").
    # The product and deployment the question is scoped to are read too: the view holds
    # their pages and sentences only, which need not write them the question's way ("gcp"
    # for "Google Cloud Platform").
    scoped = frozenset(w for w in words if _names_scope(w, q))
    strange = [
        w
        for w in words
        if w not in vocab
        and w not in scoped
        and tx.stem(w) not in read
        # "pa-3420s": the model asked, as chat writes several of it.
        and not (named and lexicon.canonical_model(w) == q.platform)
        and not (w.isdigit() and table.holding_number(w))
    ]
    unknown = sum(weights[w] for w in strange) / total if words else 0.0
    foreign = sum(weights[w] for w in strange if vocab.foreign(w)) / total if words else 0.0
    groups = {a for g in q.attributes for a in rules.GROUPS.get(g, (g,))}
    platforms = table.resolve(q.platform) if q.platform else []
    norm = q.norm or q.text.lower()
    polar = {}
    for w in words:
        s = tx.stem(w)
        p = tx.polarity(norm, frozenset({s}))
        if p < 0:
            polar[s] = p
    wh = re.search(r"\b(how|why|what|which|when|where|who)\b", norm)
    asks = wh.group(1) if wh and wh.group(1) in ("how", "why") else None
    if asks == "how" and q.asks_quantity:
        asks = None  # "how many", "how long": a quantity, not a way of doing something
    where = frozenset(w for w in words if named and lexicon.canonical_model(w) == q.platform)
    topic_known = [w for w in known if w not in where] or known
    return Signals(
        asks=asks,
        wh=wh.group(1) if wh else None,
        # A yes/no question asks whether, not for a value: "can in-band ports be used as
        # backup links?" asks for no port number.
        # Nor does a question without a wh-word that states the value itself ("lacp on layer 2
        # ae interfaces?") or a predicate ("... synced in a/p?"): it asks whether.
        shape=None
        if q.yes_no
        else next(
            (
                VALUE_SHAPES[a]
                for a in q.attributes
                if a in VALUE_SHAPES
                and (wh is not None or not asks_whether_of_value(a, qparse.asked_part(q.text.lower())))
            ),
            None,
        ),
        query=q,
        words=words,
        weights=weights,
        # The model asked is where the question holds: the rarest word is its topic's.
        rarest=max(topic_known, key=lambda w: weights[w]) if topic_known else None,
        unknown=unknown,
        foreign=foreign,
        subjects=list(subjects if subjects is not None else q.subjects),
        groups=groups,
        platforms=platforms,
        values=list(q.numbers) + list(q.hexes),
        polar=polar,
        expand=_expansions(words, norm, stems, vocab),
        spelled_out=_spelled_out(words, vocab),
        where=where,
    )


def _expansions(
    words: list[str], norm: str, stems: tx.StemIndex | None, vocab: Vocabulary
) -> dict[str, frozenset[str]]:
    """The document stems each question word covers: its own and those it is a long prefix
    of, and the documents' one word for what the question writes as two ("fails over" is
    covered by "failover")."""
    # A word the question spelled out from a short form is said by that short form where
    # the documents write it ("Information Synced?", "the MGT port").
    short = {w: frozenset(tx.stem(f) for f in qparse.short_forms(w)) for w in words}
    if stems is None:
        return {w: frozenset({tx.stem(w)}) | short[w] for w in words}
    whole = tx.joined(tx.tokens(norm), vocab.__contains__)
    return {w: stems.expand(tx.stem(w)) | short[w] | ({whole[w]} if w in whole else set()) for w in words}


def in_ranges(sig: Signals, text: str) -> set[str]:
    """The numbers asked that a stated range of the text holds ("5405" in "5404–5406")."""
    if not any(v.isdigit() for v in sig.values):
        return set()
    held = numbers_in(text)
    return {v for v in sig.values if v.isdigit() and int(v) in held}


def _spelled_out(words: list[str], vocab: Vocabulary) -> dict[str, tuple[frozenset[str], ...]]:
    """For each word of the question, the other ways the documents say it: an acronym they
    define by its words ("dpcs" -> data, processing, cards), and the acronym for words
    that spell one out in the question ("connectivity association key" -> cak)."""
    out: dict[str, tuple[frozenset[str], ...]] = {}
    acronyms = vocab.acronyms
    asked = set(words)
    for w in words:
        spelled = acronyms.get(w) or (acronyms.get(w[:-1]) if w.endswith("s") else None)
        if spelled:
            out[w] = (frozenset(tx.stem(x) for x in spelled if x not in SMALL_WORDS),)
    for w in words:
        # A cloud or hypervisor is said by any of its names: "gcp" by "Google Cloud Platform".
        env = environment_key(w)
        if env is not None:
            names = (env, *ENVIRONMENTS[env])
            alts = tuple(frozenset(tx.stem(x) for x in re.findall(r"[\w-]+", n.lower())) for n in names)
            out[w] = (*out.get(w, ()), *alts)
    for acronym, spelled in acronyms.items():
        content = [x for x in spelled if x not in SMALL_WORDS]
        if len(content) >= 2 and all(x in asked or x.rstrip("s") in asked or f"{x}s" in asked for x in content):
            for x in content:
                for w in (x, x.rstrip("s"), f"{x}s"):
                    if w in asked:
                        out[w] = (*out.get(w, ()), frozenset({tx.stem(acronym)}))
    return out


def holds(sig: Signals, word: str, stems: frozenset[str]) -> bool:
    """Whether a text (its stems) says a word of the question, in its own words or spelled
    out as the documents define it."""
    return bool(sig.expand[word] & stems) or any(alt <= stems for alt in sig.spelled_out.get(word, ()))


def _names_scope(word: str, q: qparse.Query) -> bool:
    """Whether a word of the question names the product or deployment it is scoped to
    (or the product whose sentences it prefers): "vm-series", "gcp", "aws"."""
    asked = q.scope
    names: list[str | None] = [q.prefer]
    if asked is not None:
        names += [asked.product, asked.product_name, asked.deployment, asked.deployment_name]
    wanted = {_plain(n) for n in names if n}
    if not wanted:
        return False
    return _plain(word) in wanted or (environment_key(word) or "") in wanted


def _plain(name: str) -> str:
    return re.sub(r"[\s\-_]+", "", name.lower())


def coverage(sig: Signals, stems: frozenset[str], *, where: bool = False) -> tuple[float, bool]:
    """The share of the question's weight a text says, and whether it says the rarest word.
    Without `where`, the words naming the model asked count for nothing either way: a
    sentence of its family speaks for it without spelling it, and one that spells it is
    not more about what is asked ("does the pa-3220 support preemption?" is about
    preemption); with it (the verdict's reading), they must be said like any other word."""
    words = sig.words if where else [w for w in sig.words if w not in sig.where]
    total = sum(sig.weights[w] for w in words)
    present = [w for w in words if holds(sig, w, stems)]
    cov = sum(sig.weights[w] for w in present) / total if total else 0.0
    return cov, sig.rarest is not None and sig.rarest in present


def is_step(sentence: str) -> bool:
    """A UI step of a procedure ("Select Device > High Availability", "Click OK")."""
    return bool(_STEP.search(sentence.strip()))


def is_instruction(sentence: str) -> bool:
    """An instruction of a procedure, wherever its imperative stands ("In Device > High
    Availability > General, edit the Election Settings."), not a field's description that
    opens with the verb its label does."""
    s = sentence.strip()
    return bool(_INSTRUCTION.search(s)) and not _LABELLED.match(s)


def _numbers_feature(sig: Signals, text: str) -> float:
    if not sig.values:
        return 0.0
    found = {m.group(0).lower() for m in _NUMBERISH.finditer(text.replace(",", ""))} | in_ranges(sig, text)
    hits = sum(1 for v in sig.values if v.lower() in found)
    return 1.0 if hits == len(sig.values) else (0.0 if hits else -1.0)


def _common(sig: Signals, evidence: Evidence) -> None:
    evidence.features["asks_how"] = 1.0 if sig.asks == "how" else 0.0
    evidence.features["asks_why"] = 1.0 if sig.asks == "why" else 0.0
    evidence.features["unknown"] = sig.unknown
    evidence.features["foreign"] = sig.foreign
    evidence.features["yes_no"] = 1.0 if sig.query.yes_no else 0.0
    # Short in what it says: a sentence that introduces a list says its items too.
    said = len(evidence.text) + sum(len(item) for item in evidence.items)
    evidence.features["short"] = 1.0 if said < 40 else 0.0


class FactSource:
    """Rows of the facts table, with the lookup rules' pick as one feature among others."""

    def __init__(self, table: FactTable, vocab: Vocabulary) -> None:
        self.table = table
        self._qualifiers: dict[tuple[str, str], set[str]] = {}
        self._postings: dict[str, list[int]] = {}
        self._families = frozenset(table.platforms)
        self._described: dict[tuple[str, str, str], set[str]] = {}
        for i, f in enumerate(table.facts):
            if f.qualifier:
                self._qualifiers.setdefault((f.subject, f.attribute), set()).add(f.qualifier)
                self._described.setdefault((f.subject, f.attribute, f.qualifier), set()).add(f.quote)
            for s in fact_stems(f):
                self._postings.setdefault(s, []).append(i)
        self.stems = tx.StemIndex(set(self._postings) | {tx.stem(w) for w in vocab.words})

    def candidates(self, sig: Signals, picked: rules.RuleResult | None, limit: int = 60) -> list[Evidence]:
        table = self.table
        pool: dict[int, Fact] = {}
        for f in picked.facts if picked else []:
            pool[id(f)] = f
        for s in sig.subjects:
            for f in table.by_subject(s):
                pool.setdefault(id(f), f)
        if sig.platforms:
            for f in table.about_platforms(sig.platforms):
                pool.setdefault(id(f), f)
        for v in sig.values:
            for f in table.by_value(v):
                pool.setdefault(id(f), f)
        # Rows whose words cover the question, whatever the rules made of it: one pass
        # over the postings of the question's stems, not over the table.
        if sig.words:
            total = sig.total
            mass: dict[int, float] = {}
            for w in sig.words:
                hit: set[int] = set()
                for s in sig.expand[w]:
                    hit.update(self._postings.get(s, ()))
                for i in hit:
                    mass[i] = mass.get(i, 0.0) + sig.weights[w] / total
            # Ties by table order: the stems' set order (and so the sums' last bits) changes
            # with the process's hash seed, and the same question must find the same rows.
            best = sorted((i for i, m in mass.items() if m >= 0.5), key=lambda i: (-round(mass[i], 9), i))[:20]
            for i in best:
                f = table.facts[i]
                pool.setdefault(id(f), f)
        out = []
        if picked is not None and picked.facts:
            out.append(self._bundle(sig, picked))
        # The same sentence on the pages of several versions is one candidate: its features
        # are the same, and the composer cites every version of it.
        once: dict[tuple[object, ...], Fact] = {}
        for f in pool.values():
            once.setdefault((f.subject, f.attribute, f.value, f.qualifier, tuple(f.platforms), f.quote), f)
        for f in once.values():
            e = Evidence(text=f.quote, citation=f.citation, source="fact", fact=f)
            self._features(sig, e)
            out.append(e)
        out.sort(key=lambda e: -(e.features.get("rule", 0.0) * 2 + e.features["fact_cov"]))
        return out[:limit]

    def _bundle(self, sig: Signals, picked: rules.RuleResult) -> Evidence:
        facts = picked.facts
        first = facts[0]
        e = Evidence(
            text=first.quote,
            citation=first.citation,
            source="fact",
            fact=first,
            bundle=list(facts),
            rendered=picked.text,
        )
        singles = []
        for f in facts:
            single = Evidence(text=f.quote, citation=f.citation, source="fact", fact=f)
            self._features(sig, single)
            singles.append(single.features)
        stems = frozenset().union(*(fact_stems(f) | in_ranges(sig, f"{f.value} {f.quote}") for f in facts))
        feats = e.features
        feats["is_fact"] = 1.0
        if _answers_what_is_asked(sig, facts):
            feats["rule"] = 1.0
            feats["rule_conf"] = picked.confidence
        feats["fact_cov"], rare = coverage(sig, stems)
        feats["rare"] = 1.0 if rare else 0.0
        feats["attribute"] = max(s.get("attribute", 0.0) for s in singles)
        # About the model asked when the facts of the link asked are: a note of the model's
        # that the rules set beside them ("... license on each firewall ... on PA-400
        # Series") does not make the link's general facts the model's own.
        answering = [one for one, f in zip(singles, facts, strict=True) if f.subject in sig.subjects] or singles
        feats["platform"] = max(one.get("platform", 0.0) for one in answering)
        # About the link asked if any of its facts is; about another link only if all are.
        subjects = [s.get("subject", 0.0) for s in singles]
        feats["subject"] = 1.0 if 1.0 in subjects else (-1.0 if -1.0 in subjects else 0.0)
        feats["qualifier"] = min(s.get("qualifier", 0.0) for s in singles)
        feats["numbers"] = _numbers_feature(sig, " ".join(f"{f.value} {f.quote}" for f in facts))
        _common(sig, e)
        return e

    def _features(self, sig: Signals, e: Evidence) -> None:
        f = e.fact
        assert f is not None
        feats = e.features
        feats["is_fact"] = 1.0
        feats["fact_cov"], rare = coverage(sig, fact_stems(f) | in_ranges(sig, f"{f.value} {f.quote}"))
        feats["rare"] = 1.0 if rare else 0.0
        feats["value_cov"], _ = coverage(sig, tx.stems_of(f"{f.value} {f.qualifier or ''} {f.protocol or ''}"))
        if sig.subjects:
            if f.subject in sig.subjects:
                feats["subject"] = 1.0
            elif f.subject in lexicon.LINKS:
                feats["subject"] = -1.0
        feats["attribute"] = 1.0 if f.attribute in sig.groups else 0.0
        feats["qualifier"] = self._qualifier(sig, f)
        # A row about a model ("PA-7080 max-members") is scoped to it; a row about a
        # timer or a setting is not scoped by its subject.
        feats["platform"] = _platform_feature(
            sig, set(f.platforms) | ({f.subject} if f.subject in self._families else set())
        )
        feats["numbers"] = _numbers_feature(sig, f"{f.value} {f.quote}")
        _common(sig, e)

    def _qualifier(self, sig: Signals, f: Fact) -> float:
        """Agreement of the fact's qualifier with the question. The qualifiers a row can
        have come from the table (HA1 port: clear text / encrypted), so a question that
        negates one ("without encryption") asks for its sibling."""
        norm = sig.query.norm or sig.query.text.lower()
        siblings = self._qualifiers.get((f.subject, f.attribute), set())
        if not f.qualifier or len(siblings) < 2:
            return 0.0
        generic = tx.stems_of(f"{f.subject} {f.attribute} {rules.label(f.attribute)}")
        own = tx.polarity(norm, _qualifier_stems(f.qualifier, generic))
        if own:
            return float(own)
        # Every sibling is read, in one order whatever the process's hash seed: one that is
        # asked, or negated and akin to this row, rules this row out; one negated that is
        # not akin leaves this row as what is asked.
        found = 0.0
        for other in sorted(siblings - {f.qualifier}):
            p = tx.polarity(norm, _qualifier_stems(other, generic))
            if p < 0 and self._akin(f, other, generic):
                # "not encrypted" rules out the rows the documents describe as the encrypted
                # kind too ("ssh tunneled" beside "encrypted (SSH over TCP)").
                return -1.0
            if p > 0:
                return -1.0
            if p < 0:
                found = 1.0
        return found

    def _akin(self, f: Fact, other: str, generic: frozenset[str]) -> bool:
        """Whether the documents describe `other` (a sibling qualifier) in words that
        f's own qualifier uses: the clause of the sibling's sentence that names it."""
        return _akin(f, other, generic, self._described.get((f.subject, f.attribute, other), ()))


def _akin(f: Fact, other: str, generic: frozenset[str], quotes: Iterable[str]) -> bool:
    assert f.qualifier is not None
    own = tx.stems_of(f.qualifier) - generic - tx.stems_of(other)
    if not own:
        return False
    named = _qualifier_stems(other, generic)
    for quote in quotes:
        for clause in re.split(r"[;,\u2014]\s*|\s+-\s+", quote):
            stems = tx.stems_of(clause)
            if stems & named and own & stems:
                return True
    return False


def qualifier_kinds(table: FactTable, f: Fact) -> frozenset[str]:
    """The qualifiers whose kind a row is: its own, and each sibling's (same subject and
    attribute) that the documents describe in words the row's qualifier uses ("ssh
    tunneled" is of the kind "encrypted", described as "SSH over TCP"). What a question
    negating a sibling rules out (FactSource._qualifier); public so that the checklist
    reads the qualifiers as the engine does."""
    if not f.qualifier:
        return frozenset()
    described: dict[str, set[str]] = {}
    for g in table.by_subject(f.subject):
        if g.attribute == f.attribute and g.qualifier:
            described.setdefault(g.qualifier, set()).add(g.quote)
    generic = tx.stems_of(f"{f.subject} {f.attribute} {rules.label(f.attribute)}")
    akin = {q for q, quotes in described.items() if q != f.qualifier and _akin(f, q, generic, quotes)}
    return frozenset({f.qualifier, *akin})


def evidence_stems(e: Evidence) -> frozenset[str]:
    """The stems a candidate's text uses (for telling topic words from chat)."""
    if e.fact is not None and not e.bundle:
        return fact_stems(e.fact)
    if e.bundle:
        return frozenset().union(*(fact_stems(f) for f in e.bundle))
    return tx.stems_of(" ".join([e.text, *e.items, e.citation.section]))


def _qualifier_stems(qualifier: str, generic: frozenset[str]) -> frozenset[str]:
    # A qualifier is named by its first word of its own: "clear text" by "clear",
    # "HA1 sysd ssh tunneled" by "sysd" (the link's name says nothing about which).
    stems = [tx.stem(w) for w in tx.tokens(qualifier) if len(w) > 2 and tx.stem(w) not in generic]
    return frozenset(stems[:1]) if stems else frozenset()


def fact_stems(f: Fact) -> frozenset[str]:
    label = f.section.split(" > ")[-1] if " > " in f.section else ""
    return tx.stems_of(f"{f.subject} {rules.label(f.attribute)} {f.value} {f.qualifier or ''} {f.quote} {label}")


def _answers_what_is_asked(sig: Signals, facts: list[Fact]) -> bool:
    """Whether the lookup rules' answer is of the kind the question asks: a setting's range
    and default are no answer to "what is the tentative hold time for?" or "can i turn it
    off?", which ask its purpose or whether (the question's attribute cues), unless the
    question names the kind itself ("... key server priority range on hsci?") or the facts
    are the notes of the model asked. Otherwise the rules' pick is one candidate among the
    others, with no bonus for being theirs."""
    kinds = {f.attribute for f in facts}
    if not sig.groups or kinds & sig.groups:
        return True
    if sig.platforms and all(f.subject in sig.platforms for f in facts):
        return True  # the model's own notes, which the rules read for what is asked of it
    said = tx.stems_of(sig.query.norm or sig.query.text)
    return any(tx.stems_of(rules.label(kind)) <= said for kind in kinds)


def _platform_feature(sig: Signals, names: set[str]) -> float:
    if sig.platforms:
        if names & set(sig.platforms):
            return 1.0
        return -1.0 if names else 0.0
    return -0.5 if names else 0.0


# A sentence about the models its section did not name before it ("On the remaining
# platforms, ...", "On any other hardware model, ...", "... on the remaining firewall
# models is ..."): English's words for the rest of a set, before a noun for models.
_COMPLEMENT = re.compile(
    r"\b(?:remaining|any\s+other|all\s+other|every\s+other)\s+(?:(?:hardware|firewall)\s+)*(?:models?|platforms?)\b",
    re.I,
)


def _complement_feature(sig: Signals, sentence: str, earlier: str, plain: float) -> float:
    """The platform feature of a sentence that holds for the models not named before it
    in its section: about the model asked when none of the names said earlier is the
    model or its family (+1), about others when one is (-1). A question that names no
    model reads it as it reads any sentence scoped to some models (-0.5)."""
    if not _COMPLEMENT.search(sentence):
        return plain
    left_out = {_bare(p.name) for p in lexicon.platforms_in(earlier)}
    if not left_out:
        return plain
    if not sig.platforms:
        return -0.5
    model = sig.query.platform or ""
    asked = {_bare(n) for n in [*sig.platforms, *lexicon.family_candidates(model)]}
    return -1.0 if asked & left_out else 1.0


def _bare(name: str) -> str:
    """A platform's name without "Series": "PA-3200 Series" and "PA-3200" name one family."""
    return name.removesuffix(" Series")


class PassageSource:
    """Sentences of the retrieved passages, each with the list it introduces."""

    def candidates(
        self,
        sig: Signals,
        hits: list[Hit],
        table: FactTable,
        depth: int = 4,
        children: Mapping[tuple[str, str], list[str]] | None = None,
        continued: Mapping[str, str] | None = None,
        parents: Mapping[tuple[str, str], Chunk] | None = None,
        preceding: Mapping[str, str] | None = None,
    ) -> list[Evidence]:
        out: list[Evidence] = []
        seen: set[str] = set()
        families = [(name, name.lower()) for name in table.platforms]
        for rank, hit in enumerate(hits[:depth]):
            chunk = hit.chunk
            label = chunk.section.split(" > ")[-1]
            after = (continued or {}).get(chunk.chunk_id, "")
            before = (preceding or {}).get(chunk.chunk_id, "")
            units = _sentences_with_items(chunk.text, after)
            # The sentences that follow the passage in its section: a procedure whose step
            # ends the passage ("Enable heartbeat backup ...") goes on there with its substeps.
            beyond = [s for s, _ in _sentences_with_items(after)] if after else []
            if children and not after:
                _rows_under(units, chunk.text, children.get((chunk.doc_id, chunk.section), []))
            parent = (parents or {}).get((chunk.doc_id, chunk.section.rpartition(" > ")[0]))
            if parent is not None and children and sig.wh in ("what", "which") and not sig.query.yes_no:
                # One row of a table (a section ingest made of it) leads to the table: the
                # sentence that announces it, with all of its rows. For a question that asks
                # which or what: a yes or no is decided by a sentence, a how or a why by steps
                # or a reason, never by a list of rows.
                up = _sentences_with_items(parent.text)
                at = _rows_under(up, parent.text, children.get((parent.doc_id, parent.section), []))
                if (
                    at is not None
                    and _ANNOUNCES.search(up[at][0])
                    and up[at][0] not in seen
                    and not _names_row(sig, chunk.section.rpartition(" > ")[2])
                ):
                    sentence, items = up[at]
                    seen.add(sentence)
                    heading = parent.section.split(" > ")[-1]
                    lead = replace(hit, chunk=parent)
                    out.append(self._candidate(sig, lead, rank, heading, families, sentence, items, [], ""))
            for index, (sentence, items) in enumerate(units):
                if sentence in seen or len(sentence) < 20:
                    continue
                seen.add(sentence)
                following = _following(units, index, beyond) if not items else []
                # The instructions that carry on past the window: what a "how do I" answer
                # adds when the candidate answers it.
                procedure = [] if items else _procedure([s for s, _ in units[index + 1 :]] + beyond, is_instruction)
                # What the section said before the sentence: the models a sentence "on the
                # remaining platforms" leaves out.
                earlier = "\n".join([before, *(s for s, _ in units[:index])])
                for window in ([], following) if following else ([],):
                    e = self._candidate(sig, hit, rank, label, families, sentence, items, window, earlier)
                    e.steps = procedure[len(window) :]
                    out.append(e)
        return out

    def _candidate(
        self,
        sig: Signals,
        hit: Hit,
        rank: int,
        label: str,
        families: list[tuple[str, str]],
        sentence: str,
        items: list[str],
        window: list[str],
        earlier: str,
    ) -> Evidence:
        chunk = hit.chunk
        # A window (the sentence and the two after it) is a candidate of its own: a procedure
        # or a reason often takes more than one sentence.
        # The head sentence says which product it holds for when it names one ("On the
        # VM-Series firewall in AWS, ..."); otherwise its page does.
        scope = sentence_scope(chunk.scope, sentence)
        head = sentence
        sentence = " ".join([sentence, *window])
        citation = chunk.citation(sentence)
        citation.scope = scope
        e = Evidence(text=sentence, citation=citation, source="passage", items=items, rank=rank)
        body = " ".join([sentence, *items])
        feats = e.features
        feats["pass_cov"], rare = coverage(sig, tx.stems_of(f"{body} {label}") | in_ranges(sig, body))
        feats["rare"] = 1.0 if rare else 0.0
        # A window is read from its first sentence: one whose first sentence says nothing
        # of the question only borrows what the sentence after it says better alone.
        feats["head"] = (
            coverage(sig, tx.stems_of(" ".join([head, *items, label])) | in_ranges(sig, head))[0]
            if window
            else feats["pass_cov"]
        )
        links = _links_in(sentence)
        if sig.subjects and links:
            feats["subject"] = 1.0 if links & set(sig.subjects) else -1.0
        said = f"{sentence} {label}".lower()
        # A platform every row of the table it announces names is a column of that table
        # ("Standalone PA-7500 Series Firewall: Yes; NGFW Cluster Node: No"), not where the
        # sentence holds.
        named = {name for name, low in families if low in said and not (items and all(low in i.lower() for i in items))}
        feats["platform"] = _platform_feature(sig, named)
        if not named:
            feats["platform"] = _complement_feature(sig, head, earlier, feats["platform"])
        feats["numbers"] = _numbers_feature(sig, body)
        if sig.shape is not None:
            feats["shape"] = _shape_feature(sig, body)
        # Soft, unlike a fact's qualifier: a sentence can hold both sides ("28769 for clear
        # text; 28 for encrypted").
        feats["polar"] = 0.0 if sig.query.yes_no else _polar_agreement(sig, sentence)
        feats["dense"] = hit.dense
        feats["rank"] = 1.0 / (1 + rank)
        feats["lists"] = 1.0 if items else 0.0
        feats["step"] = 1.0 if _STEP.search(sentence.strip()) else 0.0
        feats["window"] = 1.0 if window else 0.0
        _common(sig, e)
        feats["window_how"] = feats["window"] * max(feats["asks_how"], feats["asks_why"])
        # A why question is answered by a sentence that gives a cause or a purpose.
        feats["reason"] = feats["asks_why"] * (1.0 if _REASON.search(body) else 0.0)
        return e


# How English says why (a closed class of connectives): a cause or a purpose.
_REASON = re.compile(
    r"\b(?:because|so that|in order to|to (?:avoid|prevent|ensure|reduce|minimi[sz]e)|ensures?|prevents?|"
    r"otherwise|due to|as a result|results? in|causes?|therefore|which means)\b",
    re.I,
)


def _shape_feature(sig: Signals, body: str) -> float:
    """+1 when the passage holds a value of the shape asked for that is said of the link
    asked; -1 when it holds none, or only values said of another link ("heartbeat backup
    (uses port 28771 ...)" is no HA1 backup port). A value belongs to the links named
    before it in its clause, else to the link named last before it."""
    assert sig.shape is not None
    low, mentions = _mentions(body)
    values = [m.start() for m in sig.shape.finditer(low)]
    if not values:
        return -1.0
    if not sig.subjects or not mentions:
        return 1.0
    for pos in values:
        start = max(low.rfind(". ", 0, pos), low.rfind(";", 0, pos), low.rfind(":", 0, pos))
        owners = {name for at, name in mentions if start < at <= pos}
        if not owners:
            before = [name for at, name in mentions if at <= pos]
            owners = {before[-1]} if before else set()
        if not owners or owners & set(sig.subjects):
            return 1.0
    return -1.0


@lru_cache(maxsize=20_000)
def _mentions(body: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """A passage's normalised text and its link mentions (positions in that text): the same
    sentences come back question after question."""
    return lexicon.normalise(body), tuple(lexicon.find_links(body))


@lru_cache(maxsize=20_000)
def _links_in(sentence: str) -> frozenset[str]:
    return frozenset(lexicon.links_in(sentence.lower()))


def _polar_agreement(sig: Signals, sentence: str) -> float:
    """-1 when the question negates a word the sentence affirms ("port without
    encryption" against "uses port 28 when encryption is enabled"), else 0."""
    if not sig.polar:
        return 0.0
    stems = tx.stems_of(sentence)
    for s, p in sig.polar.items():
        if s in stems and tx.polarity(sentence, frozenset({s})) != p:
            return -1.0
    return 0.0


_MAX_STEPS = 10
# A sentence that announces what follows it: "...in one of the following states:",
# "...by selecting one of the following options."
_INTRODUCES = re.compile(r":\s*$|\bthe following\b[^.:]*[.:]?\s*$", re.I)


def introduces(sentence: str) -> bool:
    """A sentence that announces a list or a table after it ("... the following states:")."""
    return bool(_INTRODUCES.search(sentence.strip()))


def _names_row(sig: Signals, label: str) -> bool:
    """The question names the row itself ("... monitor fail hold up time for the aggressive
    profile?"): it asks that row's value, not which rows the table has."""
    stems = tx.stems_of(label)
    named = [w for w in sig.words if holds(sig, w, stems)]
    return bool(stems) and sum(sig.weights[w] for w in named) >= 0.5 * sig.total


# The rows of a table that ingest made into sections of their own: one label a row, so
# more of them than of list items fit in an answer.
_MAX_ROWS = 48


# What a sentence says to announce a table or a list after it, rather than only end in a
# colon ("Learn about clustering before creating a cluster:" heads a page's sections).
_ANNOUNCES = re.compile(r"\b(?:the following|as follows)\b", re.I)


def _rows_under(units: list[tuple[str, list[str]]], text: str, under: list[str]) -> int | None:
    """A passage that ends its section, in which a sentence announces a list or a table
    ("...one of the following states:", "The following table identifies which settings
    don't sync ..."): what it announces is the sections under it, the table's rows or the
    list's entries (Initial, Active, Passive, ...). The last such sentence takes them,
    after the lines it already brings when those run to the passage's end (a table's
    header row). Returns the index of the sentence that took them, if one did."""
    if not under:
        return None
    last_line = next((ln.strip() for ln in reversed(text.split("\n")) if ln.strip()), "")
    for index in range(len(units) - 1, -1, -1):
        sentence, items = units[index]
        if not _INTRODUCES.search(sentence):
            continue
        if items and (items[-1] != last_line or len(items) > 1):
            # Lines it brings that are more than a table's header row are its own list.
            return None
        units[index] = (sentence, [*items, *under][:_MAX_ROWS])
        return index
    return None


def _following(units: list[tuple[str, list[str]]], index: int, beyond: list[str] | None = None) -> list[str]:
    """The two sentences after one, or, when they are the steps of a procedure, the
    steps that follow it: a "how do I" is answered by the steps, not by the first.
    `beyond` are the sentences that follow the passage in its section: a passage's end
    cuts a procedure as it cuts a list, and its steps go on there."""
    own = [s for s, _ in units[index + 1 :]]
    steps = _procedure([*own, *(beyond or [])], is_step)
    if steps:
        return steps
    window = own[:2]
    # A reason or a description stops where another list begins: "... waiting to be
    # suspended. Causes of a hard fault are:" joins two lists, and says neither.
    for i, sentence in enumerate(window):
        if sentence.rstrip().endswith(":"):
            return window[:i]
    return window


def _procedure(after: list[str], step: Callable[[str], bool]) -> list[str]:
    """The steps that follow a sentence when they begin within two sentences of it, else
    nothing. A procedure goes on through a sentence or two that are no step themselves
    ("For Type:", a note), as long as another step follows them."""
    if not any(step(s) for s in after[:2]):
        return []
    end = 2
    for i in range(2, min(len(after), _MAX_STEPS)):
        if step(after[i]):
            end = i + 1
        elif i - end >= 2:
            break
    return after[:end]


# A line typed at a CLI prompt ("admin@PA-3250# set ..."), and one such command that ends
# on the placeholder of the value it takes ("... kex <value>").
_PROMPT = re.compile(r"^\S+[>#]\s")
_PLACEHOLDER = re.compile(r"<[^<>\s]+>\s*$")


def _items_after(sentence: str, following: list[str]) -> list[str]:
    """The lines a sentence brings as its list. One that ends with a colon brings the lines
    after it, up to the next line that introduces a list of its own. A command that ends on
    a placeholder ("set ... kex <value>") brings the values listed after it, each "value
    —what it is": the values it takes."""
    items: list[str] = []
    if sentence.rstrip().endswith(":"):
        for item in following:
            if item.endswith(":") or len(items) == _MAX_ITEMS:
                break
            items.append(item)
    elif _PROMPT.match(sentence) and _PLACEHOLDER.search(sentence):
        for item in following:
            if not _LABELLED.match(item) or len(items) == _MAX_ITEMS:
                break
            items.append(item)
    return items


def _sentences_with_items(text: str, after: str = "") -> list[tuple[str, list[str]]]:
    """Sentences of a passage, each with the list it introduces ("Causes of a soft fault
    are: ... Causes of a hard fault are: ..."). A list the passage's end cuts off goes on
    in `after`, the text that follows the passage in its section."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    more = [ln.strip() for ln in after.split("\n") if ln.strip()]
    out: list[tuple[str, list[str]]] = []
    for i, line in enumerate(lines):
        sentences = split_sentences(line) or [line]
        for j, sentence in enumerate(sentences):
            last = j == len(sentences) - 1
            items = _items_after(sentence, [*lines[i + 1 :], *more]) if last else []
            out.append((sentence, items))
    return out
