"""The scope a question names: product, deployment, PAN-OS version, hardware model.

    asked = read_question_scope("vm-series aws: which interface has to be the HA2 link?", vocabulary)
    asked.scope.product, asked.scope.deployment   # "vm-series", "aws"
    asked.text                                     # "which interface has to be the HA2 link?"

The question comes back without the words that named the scope, so "12.2: which models
have the Device ID field?" is no longer about a port 12, and "PAN-OS 10.2" no longer a
number to look up. A model ("PA-3410") stays in the text, where the engine reads
platform questions; the scope names it and the families it belongs to as well.

Which products and deployments there are comes from the documents: a `ScopeVocabulary`
is made from the scopes ingest read for a build's documents and sentences
(`ScopeVocabulary.from_manifest(build.manifest)`: `Scope.product`, `product_name`,
`deployment`). A product the build does not document is still heard
when it is written like one ("VM-Series": two letters and "-Series"), and so is a public
cloud or hypervisor (`hakb.ingest.scope.ENVIRONMENTS`), so that a question about a scope no document covers can be
answered with what the documents do cover (`ScopeVocabulary.uncovered`,
`ScopeVocabulary.describe`). Version numbers are read by their shape and context:
"PAN-OS 10.2", "10.1.x", "11.1.7", "12.2:" at the start, "in 10.2", "10.1 help".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hakb.ingest import lexicon
from hakb.ingest.models import Chunk, DocType, DocumentMeta, Fact, Manifest, Scope
from hakb.ingest.scope import ENVIRONMENTS, scopes_of_text
from hakb.service.ranking.text import english_zipf

_VERSION_BODY = r"(\d{1,2})\.(\d{1,2})(?:\.(\d{1,3}|x))?"
# "PAN-OS 10.2", "panos 11.1.7", "pan os 10.1.x", "PAN-OS v10.2".
_PANOS_VERSION = re.compile(rf"\bpan[\s-]?os\s*v?{_VERSION_BODY}(?![\d.])", re.I)
# "10.1.x", "11.1.7": three parts is a release, never a port or a timer (not an IP: 4 parts).
_DOTTED_VERSION = re.compile(rf"(?<![\d.]){_VERSION_BODY}(?![\d.])", re.I)
# The web-interface help, as chat names it: "help", "web help", "web-interface help".
_HELP = r"(?:web(?:[\s-]interface)?\s+)?help\b"
# "12.2:" or "12.2 -" opening the question.
# A message that opens with a dotted number and then words ("9.0 hb backup port?")
# names a release the way chat does: no timer or port is written that way.
_LEADING_VERSION = re.compile(
    rf"^\s*v?{_VERSION_BODY}\s*(?:[:\-\u2013\u2014,]|\s+{_HELP}|\s+docs?\b|(?<=\s)(?=[a-z]))", re.I
)
# "in 10.2", "for version 11.1", "release 10.2", "10.2 and later", "10.1 help".
_CONTEXT_BEFORE = r"(?:\b(?:in|on|for|from|to|since|running|version|release|between|and|vs\.?|versus)\s+v?)"
_CONTEXT_AFTER = rf"(?:\s+(?:{_HELP}|docs?\b|admin\b|release\b|(?:and|or) (?:later|above|newer)\b)|\+)"
_CONTEXT_VERSION = re.compile(
    rf"{_CONTEXT_BEFORE}(?<![\d.]){_VERSION_BODY}(?![\d.])|(?<![\d.]){_VERSION_BODY}(?![\d.])(?={_CONTEXT_AFTER})", re.I
)
_HELP_AFTER = re.compile(rf"^\s+{_HELP}", re.I)
# "10.2 admin guide", "10.1 administrator's guide": the guide a release is named with is part
# of the scope phrase, not of what is asked. Which kind of page answers is left open: a
# reader's "admin guide" takes in the reference pages beside it.
_GUIDE_AFTER = re.compile(r"^\s+(?:admin(?:istrat(?:or|ion))?(?:'?s)?\s+)?guide\b", re.I)
# A product named the way products are ("VM-Series", "cn series"), not a hardware family.
_SERIES_PRODUCT = re.compile(r"\b([a-z]{2})[\s-]?series\b", re.I)
_NOT_SERIES_PRODUCT = frozenset({"an", "in", "on", "of", "is", "to", "at", "by", "as", "or", "no", "so", "my", "we"})
# What may surround a scope phrase and goes with it: "On a VM-Series firewall in AWS, ...".
_LEAD_IN = re.compile(
    r"(?:\b(?:on|in|for|with|under|using|running|of|between|and|from|to|since|version|release|vs\.?|versus)\s+)?"
    r"(?:\b(?:a|an|the|my|our)\s+)?$",
    re.I,
)
# "(not panorama)", "except on AWS": a name the question sets aside is not its scope.
_NEGATED = re.compile(r"\b(?:not|except|without|other than|apart from)\s+(?:(?:on|in|for|the|a|an)\s+)*$", re.I)
_TRAIL = re.compile(r"^(?:\s+(?:firewalls?|appliances?|deployments?|instances?|docs?|pairs?))?", re.I)


@dataclass(frozen=True)
class QuestionScope:
    """What a question restricts itself to; every field None or empty when it names none."""

    product: str | None = None  # key, as in `Scope.product` ("cn-series")
    product_name: str | None = None  # as written in the documents, or in the question
    deployment: str | None = None  # "aws"
    deployment_name: str | None = None  # "AWS"
    versions: tuple[str, ...] = ()  # as asked: "10.2", "11.1.7"; two for "between 10.1 and 11.1"
    doc_type: DocType | None = None  # "help" for "10.1 help: ..."
    model: str | None = None  # "PA-3410"
    families: tuple[str, ...] = ()  # names the model is documented under: ("PA-3410", "PA-3400 Series")

    @property
    def empty(self) -> bool:
        return not (self.product or self.deployment or self.versions or self.doc_type or self.model)

    @property
    def version(self) -> str | None:
        return self.versions[0] if self.versions else None

    @property
    def label(self) -> str:
        """'VM-Series on AWS, PAN-OS 11.1, PA-3410'."""
        name = self.product_name or self.product or ""
        where = self.deployment_name or self.deployment
        parts = [f"{name} on {where}".strip() if where else name]
        if self.versions:
            parts.append("PAN-OS " + ", ".join(self.versions))
        if self.model:
            parts.append(self.model)
        return ", ".join(p for p in parts if p)

    def admits(self, scope: Scope | None) -> bool:
        """False when a document's scope contradicts the question's: another product, another
        deployment, versions that exclude the asked one, other hardware families. What a
        document does not say (no scope, no deployment) does not contradict."""
        if scope is None:
            return True
        if self.product and scope.product and scope.product != self.product:
            return False
        if self.deployment and scope.deployment and scope.deployment != self.deployment:
            return False
        if any(scope.covers_version(v) is False for v in self.versions[:1]):
            return False
        if self.families and scope.platforms and not set(self.families) & set(scope.platforms):
            return False
        return not (self.doc_type and scope.doc_type and scope.doc_type != self.doc_type)

    def exact(self, scope: Scope | None) -> bool:
        """The document is of the asked scope, not just compatible with it: the asked product
        and deployment, and a version it says it covers."""
        if scope is None or not self.admits(scope):
            return False
        if self.product and scope.product != self.product:
            return False
        if self.deployment and scope.deployment != self.deployment:
            return False
        return all(scope.covers_version(v) is True for v in self.versions[:1])


@dataclass(frozen=True)
class ScopedQuestion:
    scope: QuestionScope
    text: str  # the question without the words that named its scope (models kept)


@dataclass
class ScopeVocabulary:
    """The scopes a build documents: what a question's scope words are matched against."""

    scopes: list[Scope] = field(default_factory=list)
    platforms: frozenset[str] = frozenset()  # platform names the documents use

    @classmethod
    def from_documents(cls, documents: Iterable[DocumentMeta], platforms: Iterable[str] = ()) -> ScopeVocabulary:
        return cls([d.scope for d in documents if d.scope is not None], frozenset(platforms))

    @classmethod
    def from_manifest(cls, manifest: Manifest, platforms: Iterable[str] = ()) -> ScopeVocabulary:
        """A build's scopes: those ingest found in its pages and sentences (`Manifest.scopes`),
        or, for an older build, its documents'. `platforms`: the platform names its facts use."""
        if manifest.scopes:
            return cls(list(manifest.scopes), frozenset(platforms))
        return cls.from_documents(manifest.documents, platforms)

    @property
    def products(self) -> dict[str, str]:
        """Product key -> the name the documents write."""
        out: dict[str, str] = {}
        for s in self.scopes:
            if s.product:
                out.setdefault(s.product, s.product_name or s.product)
        return out

    @property
    def deployments(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for s in self.scopes:
            if s.deployment:
                out.setdefault(s.deployment, s.deployment_name or s.deployment)
        return out

    def uncovered(self, asked: QuestionScope, default_product: str | None = None) -> list[str]:
        """What the question asks about that no document covers ([] when all is covered):
        "VM-Series", "Azure", "PAN-OS 9.1", "VM-Series on AWS". A version asked without a
        product is the `default_product`'s (the one it is answered for), when given: that
        another product's pages cover it ("CN-Series 10.2 & later") does not cover it."""
        if asked.empty or not self.scopes:
            return []
        out: list[str] = []
        if asked.product and asked.product not in self.products:
            out.append(asked.product_name or asked.product)
        if asked.deployment and asked.deployment not in self.deployments:
            out.append(asked.deployment_name or asked.deployment)
        if not out and asked.product and asked.deployment:
            if not any(s.product == asked.product and s.deployment == asked.deployment for s in self.scopes):
                out.append(f"{asked.product_name or asked.product} on {asked.deployment_name or asked.deployment}")
        product = asked.product or default_product
        for version in asked.versions:
            candidates = [s for s in self.scopes if not product or s.product == product]
            if candidates and not any(s.covers_version(version) for s in candidates):
                out.append(f"PAN-OS {version}")
        return out

    def describe(self) -> str:
        """What the documents cover, one entry per product and deployment:
        'Next-Generation Firewall (PAN-OS 10.1, 10.2, current); CN-Series on AWS (PAN-OS 10.2 & later)'."""
        merged: dict[tuple[str | None, str | None], Scope] = {}
        for s in self.scopes:
            key = (s.product, s.deployment)
            if not s.product:
                continue
            base = s.model_copy(update={"doc_type": None, "platforms": ()})
            merged[key] = merged[key].merged(base) if key in merged else base
        parts = []
        for s in merged.values():
            versions = s.version_label
            parts.append(f"{s.product_label} ({versions})" if versions else s.product_label)
        return "; ".join(parts)

    def aliases(self) -> list[tuple[str, str, str]]:
        """(written form, kind, key), longest first: the products and deployments of the
        documents, in the forms they write them ("CN-Series", "cn-series"), and the known
        environments."""
        out: list[tuple[str, str, str]] = []
        for key, name in self.products.items():
            out += [(name, "product", key), (key, "product", key)]
        for key, name in self.deployments.items():
            out += [(name, "deployment", key), (key, "deployment", key)]
        for key, names in ENVIRONMENTS.items():
            out += [(n, "deployment", key) for n in (key, *names)]
        return sorted(set(out), key=lambda a: (-len(a[0]), a))  # ties in one order, whatever the hash seed

    @functools.cached_property
    def patterns(self) -> list[tuple[re.Pattern[str], str, str]]:
        """`aliases` as patterns over a lower-cased question, made once per vocabulary:
        "cn-series" also matches "cn series" and "cnseries"."""
        out = []
        for written, kind, key in self.aliases():
            words = re.split(r"[\s-]+", written.lower())
            out.append((re.compile(r"(?<![\w-])" + r"[\s-]?".join(map(re.escape, words)) + r"(?![\w-])"), kind, key))
        return out


class ScopeIndex:
    """Which chunks and facts of a build a question's scope admits, without copying the build.

    A build holds few distinct scopes (one per page version and product, a few named by
    sentences), so the index groups chunk ids and fact positions by scope once; a question's
    scope is checked against each distinct scope, and the answer is kept per asked scope:
    a repeated scope costs one dictionary lookup.

        index = ScopeIndex(build.chunks.values(), build.facts.facts)
        allowed = index.chunk_ids(asked.scope)   # a frozenset: a mask for BM25 hits
        facts = index.fact_positions(asked.scope)
    """

    def __init__(self, chunks: Iterable[Chunk], facts: Iterable[Fact] = ()) -> None:
        # A chunk holds for its page's scope and for any one of its sentences names
        # ("On the VM-Series firewall in AWS, ..."): it is admitted when one of them is.
        self._chunks: dict[frozenset[Scope | None], list[str]] = {}
        for chunk in chunks:
            found: set[Scope | None] = set(scopes_of_text(chunk.scope, chunk.text))
            named = frozenset(found or {None})
            self._chunks.setdefault(named, []).append(chunk.chunk_id)
        self._facts: dict[Scope | None, list[int]] = {}
        for i, fact in enumerate(facts):
            self._facts.setdefault(fact.scope, []).append(i)
        self._chunk_cache: dict[QuestionScope, frozenset[str]] = {}
        self._fact_cache: dict[QuestionScope, frozenset[int]] = {}

    def chunk_ids(self, asked: QuestionScope) -> frozenset[str]:
        """Ids of the chunks whose scope the asked one admits."""
        hit = self._chunk_cache.get(asked)
        if hit is None:
            hit = self._chunk_cache[asked] = frozenset(
                cid for scopes, ids in self._chunks.items() if any(map(asked.admits, scopes)) for cid in ids
            )
        return hit

    def fact_positions(self, asked: QuestionScope) -> frozenset[int]:
        """Positions (in the order given) of the facts whose scope the asked one admits."""
        hit = self._fact_cache.get(asked)
        if hit is None:
            hit = self._fact_cache[asked] = frozenset(
                i for scope, positions in self._facts.items() if asked.admits(scope) for i in positions
            )
        return hit


# A word as names are written: "Prisma", "VM-Series", "on-prem".
_NAME_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
# What ends a sentence or opens a list item or a quote: a capital after it is no name's.
_OPENS = frozenset(".!?:;\u2022-\u2013\u2014|(\"'")
# Of a word's mid-sentence uses, how many to one must be capitalised for it to be a name.
TITLED_RATIO = 9
# Below this Zipf frequency a word is no English word: "Prisma", not "Cloud".
NAME_ZIPF = 3.0
# Above this Zipf frequency a word is everyday chat ("today", "anymore"), no name's.
CHAT_ZIPF = 4.0
# The fewest letters of a word the documents never use that may make a name with another.
STRANGE_MIN = 4
# ... and of one that names a place right after "<product> on": "ibm", "kvm"-like names.
PLACE_MIN = 3
_PLACE_PREPOSITIONS = frozenset({"on", "in"})
_ARTICLES = frozenset({"a", "an", "the"})


@dataclass(frozen=True)
class NameVocabulary:
    """How the documents write names: the words they capitalise inside a sentence ("Prisma",
    "Cloud", "Panorama"), and which words they write next to each other. A question's
    words are lower-case chat; these say which of them the documents use as names, and
    whether a name the question writes ("aws outposts") is one the documents ever write."""

    titled: frozenset[str] = frozenset()
    lowered: frozenset[str] = frozenset()  # words the documents also write in lower case
    pairs: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> NameVocabulary:
        titled: dict[str, int] = {}
        other: dict[str, int] = {}
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            prev: re.Match[str] | None = None
            for m in _NAME_TOKEN.finditer(text):
                word, low = m.group(0), m.group(0).lower()
                before = text[: m.start()].rstrip()
                if before and before[-1] not in _OPENS:
                    # "Prisma", "Cloud": a capital then lower case; "DPCs" is an acronym's plural.
                    counts = titled if word[0].isupper() and word[1:2].islower() else other
                    counts[low] = counts.get(low, 0) + 1
                if prev is not None and not text[prev.end() : m.start()].strip():
                    pairs.add((prev.group(0).lower(), low))
                prev = m
        names = {
            w
            for w, n in titled.items()
            if n >= 2 and n >= TITLED_RATIO * other.get(w, 0) and not any(ch.isdigit() for ch in w)
        }
        return cls(frozenset(names), frozenset(other), frozenset(pairs))

    @functools.cached_property
    def proper(self) -> frozenset[str]:
        """The names no English dictionary holds: "Prisma", "Panorama", not "Cloud"."""
        return frozenset(w for w in self.titled if english_zipf(w) < NAME_ZIPF and w not in self.lowered)

    def undocumented(self, question: str, scopes: ScopeVocabulary, known: Callable[[str], bool]) -> list[str]:
        """Names the question writes that no document does, made of a name the documents
        use and a word beside it that makes it another product or place: "aws outposts"
        (a word the documents never use after a cloud), "prisma sd-wan" (after a proper
        name), "openstack vm-series" or "cloud ngfw" (a qualifier before a product the
        documents never put there). `known`: whether the documents use a word, typos
        snapped. A word after a product's name is left alone: "cn-series image" is a part
        of the product, not another one."""
        products: set[str] = set()
        places: set[str] = set()
        for written, kind, _ in scopes.aliases():
            if " " not in written:
                (products if kind == "product" else places).add(written.lower())
        proper = self.proper - products
        words = list(_NAME_TOKEN.finditer(question))
        named = {written.lower() for written, _, _ in scopes.aliases()}
        out: list[str] = self._places_after_products(question, words, products, lambda w: w in named or known(w))
        for first, second in zip(words, words[1:], strict=False):
            a, b = first.group(0).lower(), second.group(0).lower()
            if question[first.end() : second.start()].strip():
                continue  # a name is written in one run: "asking: ngfw" is two things
            if any(ch.isdigit() for ch in a + b) or (a, b) in self.pairs:
                continue
            if (
                ((a in places or a in proper) and _strange(b, known, CHAT_ZIPF))
                or (b in products and _strange(a, known, NAME_ZIPF))
                or (b in products and a in self.titled and a not in products | places)
            ):
                out.append(f"{first.group(0)} {second.group(0)}")
        return list(dict.fromkeys(out))

    def _places_after_products(
        self, question: str, words: list[re.Match[str]], products: set[str], known: Callable[[str], bool]
    ) -> list[str]:
        """ "VM-Series on IBM Cloud", "CN-Series in nutanix", "VM-Series (IBM Cloud)": a
        product run on or in a place whose name the documents never write is a deployment
        they do not cover. The preposition (or parenthesis) after the product's name says a
        place follows, so a shorter name
        ("ibm") is read as one; a name word the documents use after it ("Cloud") is part of it."""
        out: list[str] = []
        for i, word in enumerate(words[:-1]):
            if word.group(0).lower() not in products:
                continue
            if question[word.end() : words[i + 1].start()].strip() == "(":
                at = i + 1  # "VM-Series (IBM Cloud)": the place in parentheses after the product
            elif words[i + 1].group(0).lower() in _PLACE_PREPOSITIONS and i + 2 < len(words):
                at = i + 2
            elif _participle(words[i + 1].group(0)) and i + 3 < len(words):
                # "VM-Series deployed on Nutanix", "CN-Series running in Rancher".
                if words[i + 2].group(0).lower() not in _PLACE_PREPOSITIONS:
                    continue
                at = i + 3
            else:
                continue
            if words[at].group(0).lower() in _ARTICLES and at + 1 < len(words):
                at += 1
            place = words[at].group(0).lower()
            if len(place) < PLACE_MIN or known(place) or english_zipf(place) >= CHAT_ZIPF or place.isdigit():
                continue
            name = [words[at].group(0)]
            if at + 1 < len(words) and not question[words[at].end() : words[at + 1].start()].strip():
                if words[at + 1].group(0).lower() in self.titled:
                    name.append(words[at + 1].group(0))
            out.append(" ".join(name))
        return out


def _participle(word: str) -> bool:
    """A verb's participle by its ending ("deployed", "running"): it may stand between a
    product and where it runs."""
    low = word.lower()
    return len(low) > 5 and low.endswith(("ed", "ing"))


def _strange(word: str, known: Callable[[str], bool], zipf: float) -> bool:
    """A word the documents never use and chat seldom does: a name's ("outposts",
    "sd-wan"), not a typo they snap back, nor short chat ("pls") or common words ("today")."""
    return len(word) >= STRANGE_MIN and not known(word) and english_zipf(word) < zipf


def read_question_scope(question: str, vocabulary: ScopeVocabulary | None = None) -> ScopedQuestion:
    """The scope a question names, and the question without the words that named it."""
    vocabulary = vocabulary or ScopeVocabulary()
    spans: list[tuple[int, int]] = []
    found: dict[str, object] = {}

    def take(start: int, end: int) -> None:
        spans.append(_widen(question, start, end))

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in spans)

    versions: list[tuple[int, str]] = []
    for pattern in (_LEADING_VERSION, _PANOS_VERSION, _CONTEXT_VERSION, _DOTTED_VERSION):
        for m in pattern.finditer(question):
            groups = [g for g in m.groups() if g is not None]
            if len(groups) < 2 or not free(*_number_span(m)):
                continue
            if pattern is _DOTTED_VERSION and groups[2:] == []:
                continue  # a bare "10.2" is a number, unless its context or shape says release
            start, end = _number_span(m)
            if pattern is not _CONTEXT_VERSION:
                start = m.start()
            help_after = _HELP_AFTER.match(question[end:])
            if help_after:
                found["doc_type"] = "help"
                end += help_after.end()
            elif guide_after := _GUIDE_AFTER.match(question[end:]):
                end += guide_after.end()
            if pattern is _LEADING_VERSION:
                end = max(end, m.end())
            versions.append((start, _version(groups)))
            take(start, end)

    low = question.lower()
    for pattern, kind, key in vocabulary.patterns:
        if found.get(kind, key) != key:
            continue  # one product, one deployment: the longest name found first wins
        for m in pattern.finditer(low):
            if not free(m.start(), m.end()) or _NEGATED.search(low, 0, m.start()):
                continue
            if kind not in found:
                found[kind] = key
                names = vocabulary.products if kind == "product" else vocabulary.deployments
                found[f"{kind}_name"] = names.get(key) or ENVIRONMENTS.get(key, (key,))[0]
            take(m.start(), m.end())
            _version_after(question, m.end(), versions, take)
    if "product" not in found:
        for m in _SERIES_PRODUCT.finditer(question):
            if m.group(1).lower() in _NOT_SERIES_PRODUCT or not free(m.start(), m.end()):
                continue
            if _NEGATED.search(question, 0, m.start()):
                continue
            found["product"] = f"{m.group(1).lower()}-series"
            found["product_name"] = f"{m.group(1).upper()}-Series"
            take(m.start(), m.end())
            _version_after(question, m.end(), versions, take)
            break
    if versions:
        found["versions"] = tuple(dict.fromkeys(v for _, v in sorted(versions)))

    model = lexicon.canonical_model(question)
    if model and not model.endswith(" Series"):
        found["model"] = model
        candidates = lexicon.family_candidates(model)
        known = [c for c in candidates if c in vocabulary.platforms] if vocabulary.platforms else candidates
        found["families"] = tuple(known)
    elif model:
        found["model"] = model
        found["families"] = (model,)

    return ScopedQuestion(scope=QuestionScope(**found), text=_without(question, spans))  # type: ignore[arg-type]


_BARE_VERSION = re.compile(rf"\s+v?{_VERSION_BODY}(?![\d.])", re.I)


def _version_after(question: str, end: int, versions: list[tuple[int, str]], take: Callable[[int, int], None]) -> None:
    """A bare "10.2" right after a product's name is its version: "CN-Series 10.2"."""
    m = _BARE_VERSION.match(question, end)
    if m and not any(start == m.start(1) for start, _ in versions):
        versions.append((m.start(1), _version([g for g in m.groups() if g is not None])))
        take(m.start(1), m.end())


def _version(groups: list[str]) -> str:
    major, minor = int(groups[0]), int(groups[1])
    patch = groups[2] if len(groups) > 2 else None
    return f"{major}.{minor}.{patch}" if patch and patch.lower() != "x" else f"{major}.{minor}"


def _number_span(m: re.Match[str]) -> tuple[int, int]:
    """Where the version number itself is in a match (the context words around it aside)."""
    starts = [m.start(i) for i in range(1, (m.re.groups or 0) + 1) if m.start(i) >= 0]
    ends = [m.end(i) for i in range(1, (m.re.groups or 0) + 1) if m.end(i) >= 0]
    end = max(ends)
    if m.string[end : end + 2].lower() == ".x":
        end += 2
    return min(starts), end


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A scope phrase with the words that only served it: "On a VM-Series firewall"."""
    lead = _LEAD_IN.search(text[:start])
    if lead and lead.group(0).strip():
        start = lead.start()
    trail = _TRAIL.match(text[end:])
    if trail:
        end += trail.end()
    return start, end


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans cut out, and the punctuation they leave behind tidied."""
    out = text
    for start, end in sorted(spans, reverse=True):
        out = out[:start] + " " + out[end:]
    out = re.sub(r"\s+([,:;?.!])", r"\1", out)
    out = re.sub(r"([,:;])(?:\s*[,:;])+", r"\1", out)
    out = re.sub(r"^[\s,:;\-\u2013\u2014]+", "", out)
    out = re.sub(r"[,:;\-]+([?.!])$", r"\1", out.strip())
    out = re.sub(r"\(\s*\)", "", out)
    out = re.sub(r"\s{2,}", " ", out).strip()
    return out or text.strip()
