"""What changed between two PAN-OS versions: facts added, removed or changed, each side cited.

`changes(build, subject, from_version, to_version, product)` compares the facts of the pages
that hold for one version with those of the pages that hold for the other, and returns a
`Changes` (the JSON of `GET /v1/changes`, the output of `hakb changes`, and, through
`Changes.render_text()`, a chat answer).

Which pages are compared
    A page is compared with its own other versions only: "HA Timers" of PAN-OS 10.1 with "HA
    Timers" of 11.1, never with another page (a 10.1 admin guide page against a 12.2
    web-interface help page would list every fact of both as added or removed). Two pages are
    versions of one page when they are about the same product and deployment and share the
    last segment of their URL (`.../ha-links-and-backup-links`) or their title.
    A page holds for a version when its scope says so (`Scope.covers_version`: its own version,
    or "11.1 & later"). A page of the current, unversioned documentation (`latest`) stands in
    for the newer of the two versions asked when no version of that page names it and it is
    newer than every version they name (the current docs describe the newest release); the
    result's `notes` say so. It never stands in for the older version. A page whose versions are
    unknown is not compared. Pages with a version for only one side are listed in
    `only_from` / `only_to`, not counted as added or removed.

What counts as a change
    Facts are compared per (subject, attribute, qualifier, platform): a fact scoped to three
    platforms counts once for each, so a model added to a list is one added fact for that
    model. Within a key, a value on both sides is no change; so is the same sentence on both
    sides, and the same value in other words or units ("8,000 ms" and "8 seconds", "1-63" and
    "1 to 63": `hakb.ingest.facts.same_value`, as ingest uses for conflicts). A key whose only
    value gave way to another one is "changed" when its attribute holds one value (a port, an
    ether type, a default, ...); otherwise the old value is "removed" and the new one "added".
    The names of the platforms a fact is scoped to are part of its key, not of its value: a
    sentence that only gained a model in its list is no change for the models it already had.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, computed_field

from hakb.attributes import SINGLE_VALUED
from hakb.errors import BadInput, NotFound
from hakb.ingest import lexicon
from hakb.ingest.facts import same_value
from hakb.ingest.models import Citation, DocumentMeta, Fact

if TYPE_CHECKING:
    from hakb.service.index import LoadedBuild

log = logging.getLogger(__name__)

ChangeKind = Literal["added", "removed", "changed"]

# Attributes whose key holds one setting, so an old value giving way to a new one is a
# "changed" value, not one statement removed and an unrelated one added.
PAIRED_ATTRIBUTES = SINGLE_VALUED | {"port", "ip-protocol", "transport", "protocol", "interface", "message-size"}

# How many pages `render_text` names in each "not compared" line (the JSON has them all).
RENDER_PAGES = 6

# "10.1", "10.1.7", "10.1.x", "PAN-OS 11.1", "pan-os 11.1.2-h3".
_VERSION_RE = re.compile(r"^(?:pan-?os\s*)?(\d{1,2})\.(\d{1,2})(?:\.(?:\d{1,3}(?:-h\d{1,3})?|x))?$", re.IGNORECASE)
_MODEL_RE = re.compile(r"\bpa[\s\-]?\d{2,4}[a-z]{0,2}\b(?:\s+series)?", re.IGNORECASE)
_ARTICLE_RE = re.compile(r"^(?:the|a|an)\s+")
_LIST_GLUE_RE = re.compile(r"[,;]|\b(?:and|or)\b")


class PageRef(BaseModel):
    """One document of a comparison: which page, and what it holds for."""

    doc_id: str
    title: str
    url: str | None = None
    scope_label: str = ""


class ComparedPage(BaseModel):
    """A page documented for both versions: its version(s) on each side."""

    title: str
    product: str = ""  # "Next-Generation Firewall", "CN-Series on AWS"; "" when unknown
    from_pages: list[PageRef]
    to_pages: list[PageRef]
    stand_in: bool = False  # the current documentation stands in for the newer version


class ChangeSide(BaseModel):
    """What one version's documents say, and where."""

    value: str
    protocol: str | None = None
    citation: Citation

    @property
    def shown(self) -> str:
        return f"{self.value} ({self.protocol})" if self.protocol else self.value


class Change(BaseModel):
    """One fact added, removed or changed between the two versions."""

    kind: ChangeKind
    subject: str
    attribute: str
    qualifier: str | None = None
    platforms: list[str] = Field(default_factory=list)  # [] : not scoped to a platform
    before: ChangeSide | None = None  # what the from-version's pages say (None: added)
    after: ChangeSide | None = None  # what the to-version's pages say (None: removed)

    @property
    def label(self) -> str:
        """'HA2 port', 'HA1 port (clear text)', 'HA3 can use [PA-5400 Series]'."""
        text = f"{self.subject} {self.attribute.replace('-', ' ')}"
        if self.qualifier:
            text += f" ({self.qualifier})"
        if self.platforms:
            text += f" [{', '.join(self.platforms)}]"
        return text


class Changes(BaseModel):
    """Facts added, removed and changed from `from_version` to `to_version`."""

    subject: str | None = None
    product: str | None = None
    from_version: str
    to_version: str
    added: list[Change] = Field(default_factory=list)
    removed: list[Change] = Field(default_factory=list)
    changed: list[Change] = Field(default_factory=list)
    compared: list[ComparedPage] = Field(default_factory=list)
    only_from: list[PageRef] = Field(default_factory=list)  # pages with a version for from_version only
    only_to: list[PageRef] = Field(default_factory=list)  # pages with a version for to_version only
    same_for_both: list[PageRef] = Field(default_factory=list)  # one page holds for both ("10.2 & later")
    notes: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def count(self) -> int:
        """How many changes: added, removed and changed together."""
        return len(self.added) + len(self.removed) + len(self.changed)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        """One line: what was compared and how many changes ('... 1 changed, 1 added.')."""
        return self.headline()

    def citations(self) -> list[Citation]:
        """Every quote the changes rest on, each once, in the order `render_text` shows them."""
        out: list[Citation] = []
        seen: set[tuple[str, str]] = set()
        for change in [*self.changed, *self.added, *self.removed]:
            for side in (change.before, change.after):
                if side is not None and (side.citation.doc_id, side.citation.quote) not in seen:
                    seen.add((side.citation.doc_id, side.citation.quote))
                    out.append(side.citation)
        return out

    def headline(self) -> str:
        about = f" for {self.subject}" if self.subject else ""
        span = f"from PAN-OS {self.from_version} to {self.to_version}"
        if not self.compared:
            return f"No page of these documents is documented for both PAN-OS {self.from_version} and {self.to_version}: nothing to compare{about}."
        pages = f"{len(self.compared)} page{'s' if len(self.compared) != 1 else ''} compared"
        if not self.count:
            return f"Nothing documented{about} changed {span} ({pages})."
        counts = ", ".join(
            f"{len(items)} {kind}"
            for kind, items in (("changed", self.changed), ("added", self.added), ("removed", self.removed))
            if items
        )
        return f"What changed{about} {span} ({pages}): {counts}."

    def render_text(self, max_items: int | None = None) -> str:
        """The changes as plain text: a headline, then each change with its quotes.
        `max_items`: at most that many changes of each kind (a chat message has room for a
        few), then how many more there are."""
        lines = [self.headline()]
        for title, items in (
            ("Changed", self.changed),
            (f"Added in {self.to_version}", self.added),
            (f"Removed in {self.to_version}", self.removed),
        ):
            if not items:
                continue
            lines.append(f"{title}:")
            for c in items[:max_items]:
                if c.kind == "changed" and c.before and c.after:
                    lines.append(f"- {c.label}: {c.before.shown} -> {c.after.shown}")
                else:
                    side = c.after or c.before
                    lines.append(f"- {c.label}: {side.shown if side else ''}")
                for version, side in ((self.from_version, c.before), (self.to_version, c.after)):
                    if side is not None:
                        lines.append(f"    {version}: {_cite(side.citation)}")
            if max_items is not None and len(items) > max_items:
                lines.append(f"- and {len(items) - max_items} more (hakb changes or GET /v1/changes lists them all)")
        for version, other, pages in (
            (self.from_version, self.to_version, self.only_from),
            (self.to_version, self.from_version, self.only_to),
        ):
            if pages:
                shown = "; ".join(f"{p.title} [{p.scope_label or version}]" for p in pages[:RENDER_PAGES])
                more = f"; and {len(pages) - RENDER_PAGES} more" if len(pages) > RENDER_PAGES else ""
                lines.append(f"Not compared, no version for {other}: {shown}{more}.")
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def _cite(c: Citation) -> str:
    where = f" [{c.scope_label}]" if c.scope_label else ""
    url = f" <{c.url}>" if c.url else ""
    return f'"{c.quote}" ({c.title}){where}{url}'


# -- input -------------------------------------------------------------------


def parse_version(text: str, name: str) -> str:
    """'PAN-OS 10.1.7' -> '10.1': the major.minor a page's versions are compared on."""
    m = _VERSION_RE.match(text.strip())
    if not m:
        raise BadInput(
            f"{name}: {text.strip()[:40]!r} is not a PAN-OS version; write it as major.minor, such as 10.1 or 11.1.2",
            code="bad_version",
        )
    return f"{int(m.group(1))}.{int(m.group(2))}"


def _version_key(version: str) -> tuple[int, ...]:
    # ASCII digits only: "²".isdigit() is true and int("²") fails.
    return tuple(int(p) for p in version.split(".") if p.isascii() and p.isdigit())


def _canonical_subject(build: LoadedBuild, subject: str) -> list[str]:
    """The subject names `subject` stands for: itself as the facts write it, a link named in
    it, or a model and its documented family."""
    wanted = subject.strip()
    known = build.facts.subjects
    for name in known:
        if name.lower() == wanted.lower():
            return [name]
    links = [name for name in lexicon.links_in(wanted) if name in known]
    if len(links) == 1:
        return links
    if lexicon.canonical_model(wanted):
        names = build.facts.resolve(wanted)
        if names:
            return names
    raise NotFound(
        f"the documents say nothing about {wanted[:60]!r}; try a link (HA1, HA2, HA3, ...) or a model",
        code="unknown_subject",
    )


_ASKED_RE = re.compile(
    r"\b(?:what(?:'s| has| have| is)?\s+(?:changed|new|different)|changes?|differen(?:ces?|t)|diff)\b",
    re.IGNORECASE,
)
_SPAN_RE = re.compile(
    r"\b(?:between|from)\s+(?:pan-?os\s*)?(\d{1,2}\.\d{1,2}(?:\.[\dx]+)?)\s*(?:and|to|->|vs\.?|versus)\s*"
    r"(?:pan-?os\s*)?(\d{1,2}\.\d{1,2}(?:\.[\dx]+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ChangesQuestion:
    """A chat question that asks what changed: its subject (None: all) and its two versions."""

    subject: str | None
    from_version: str
    to_version: str


def read_question(text: str) -> ChangesQuestion | None:
    """'what changed for HA3 between 10.1 and 11.1?' -> (HA3, 10.1, 11.1); None when the
    question does not ask what changed between two versions."""
    span = _SPAN_RE.search(text)
    if span is None or not _ASKED_RE.search(text):
        return None
    rest = text[: span.start()] + " " + text[span.end() :]
    links = lexicon.links_in(rest)
    subject = links[0] if len(links) == 1 else lexicon.canonical_model(rest)
    return ChangesQuestion(subject, span.group(1), span.group(2))


# -- which pages -------------------------------------------------------------


def _product_key(doc: DocumentMeta) -> tuple[str, str]:
    s = doc.scope
    return (s.product or "", s.deployment or "") if s else ("", "")


def _product_names(doc: DocumentMeta) -> set[str]:
    s = doc.scope
    if s is None:
        return set()
    names = {s.product, s.product_name, s.product_label, s.deployment and f"{s.product} {s.deployment}"}
    return {_norm_name(n) for n in names if n}


def _norm_name(text: str) -> str:
    return re.sub(r"[\s_\-]+", "-", text.strip().lower())


def _slug(doc: DocumentMeta) -> str | None:
    if not doc.url:
        return None
    path = doc.url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    last = path.rsplit("/", 1)[-1].lower()
    return last or None


def _families(docs: list[DocumentMeta]) -> list[list[DocumentMeta]]:
    """Documents grouped into pages: one product and deployment, and the same URL slug or
    title (linked: 10.1 and 10.2 share a slug, 10.2 and the current page a title)."""
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[object, ...], int] = {}
    for i, doc in enumerate(docs):
        keys = [("title", _product_key(doc), re.sub(r"\s+", " ", doc.title.strip().lower()))]
        slug = _slug(doc)
        if slug:
            keys.append(("slug", _product_key(doc), slug))
        for key in keys:
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    groups: dict[int, list[DocumentMeta]] = defaultdict(list)
    for i, doc in enumerate(docs):
        groups[find(i)].append(doc)
    return list(groups.values())


@dataclass
class _Sides:
    from_docs: list[DocumentMeta]
    to_docs: list[DocumentMeta]
    stand_in: bool = False


def _sides(family: list[DocumentMeta], old: str, new: str, from_version: str) -> _Sides:
    """The versions of one page that hold for `from_version` and for the other version.
    `old` and `new` are the two versions asked, oldest first."""

    def holding(version: str) -> list[DocumentMeta]:
        return [d for d in family if d.scope is not None and d.scope.covers_version(version) is True]

    on_old, on_new = holding(old), holding(new)
    stand_in = False
    if not on_new:
        named = [v for d in family if d.scope for v in (*d.scope.versions, d.scope.since) if v]
        if all(_version_key(new)[:2] > _version_key(v)[:2] for v in named):
            on_new = [d for d in family if d.scope is not None and d.scope.latest]
            stand_in = bool(on_new)
    if from_version == old:
        return _Sides(on_old, on_new, stand_in)
    return _Sides(on_new, on_old, stand_in)


def _ref(doc: DocumentMeta) -> PageRef:
    label = doc.scope.label if doc.scope is not None else ""
    return PageRef(doc_id=doc.doc_id, title=doc.title, url=doc.url, scope_label=label or (doc.version or ""))


# -- comparing facts ---------------------------------------------------------


# (subject, attribute, qualifier, platform): what one value is the value of.
_Key = tuple[str, str, str | None, str | None]


@dataclass
class _Entry:
    fact: Fact
    platform: str | None
    value: str  # compared form: the fact's own platforms taken out, articles dropped
    quote: str  # compared form of the sentence

    @property
    def numeric(self) -> bool:
        return len(self.value) <= 80 and any(ch.isdigit() for ch in self.value)


def _value_form(fact: Fact) -> str:
    """The value as compared: without the names of the platforms the fact is scoped to (they
    are its key) and without a leading article. A value that is a whole sentence (a model's
    'constraint') loses every model name: each model it names has a fact of its own."""
    return _value_form_of(fact.value, fact.attribute, fact.quote, frozenset(fact.platforms))


@lru_cache(maxsize=50_000)
def _value_form_of(value: str, attribute: str, quote: str, own: frozenset[str]) -> str:
    whole = attribute == "constraint" or _normal(value).rstrip(".") == _normal(quote).rstrip(".")
    text = _MODEL_RE.sub(lambda m: " " if whole or lexicon.canonical_model(m.group(0)) in own else m.group(0), value)
    if text != value:
        text = _LIST_GLUE_RE.sub(" ", text)  # the list the models were in
    return _ARTICLE_RE.sub("", _normal(text))


@lru_cache(maxsize=50_000)
def _normal(text: str) -> str:
    # Keyed by content: a new build's facts never see an old one's forms.
    return lexicon.normalise(text)


def _entries(facts: Iterable[Fact], names: list[str] | None) -> Iterator[tuple[_Key, _Entry]]:
    """One entry per fact and platform; with `names` (a subject asked), only the facts about
    it: its own, or for a model, the platforms of a fact that are that model."""
    # The fact's own platforms, not its page's: a page's platforms come from its title or URL
    # ("...-pa-7000-series-firewall") and another version of it may be titled otherwise.
    for f in facts:
        platforms: list[str | None] = list(f.platforms) or [None]
        if names is not None and f.subject not in names:
            platforms = [p for p in platforms if p in names]
        value, quote = _value_form(f), _normal(f.quote)
        for p in platforms:
            yield (f.subject, f.attribute, f.qualifier, p), _Entry(f, p, value, quote)


def _same(a: _Entry, b: _Entry) -> bool:
    if a.quote == b.quote:
        return True  # the same sentence on both sides
    pa, pb = a.fact.protocol, b.fact.protocol
    if pa and pb and pa.lower() != pb.lower():
        return False
    if a.value == b.value:
        return True
    # Units and number forms ("8,000 ms", "8 seconds") need a number on both sides; a
    # sentence-long value is compared as words (same_value costs 0.3 ms on one).
    if not (a.numeric and b.numeric):
        return False
    return same_value(a.value, b.value, a.fact.qualifier, b.fact.qualifier)


def _distinct(entries: list[_Entry]) -> list[_Entry]:
    out: list[_Entry] = []
    for e in entries:
        if not any(_same(e, o) for o in out):
            out.append(e)
    return out


def _side(e: _Entry) -> ChangeSide:
    return ChangeSide(value=e.fact.value, protocol=e.fact.protocol, citation=e.fact.citation)


def _compare(old_facts: list[Fact], new_facts: list[Fact], names: list[str] | None) -> list[Change]:
    old: dict[_Key, list[_Entry]] = defaultdict(list)
    new: dict[_Key, list[_Entry]] = defaultdict(list)
    for key, entry in _entries(old_facts, names):
        old[key].append(entry)
    for key, entry in _entries(new_facts, names):
        new[key].append(entry)
    out: list[Change] = []
    for key in dict.fromkeys([*old, *new]):
        gone = [e for e in _distinct(old.get(key, [])) if not any(_same(e, n) for n in new.get(key, []))]
        came = [e for e in _distinct(new.get(key, [])) if not any(_same(e, o) for o in old.get(key, []))]
        if len(gone) == 1 and len(came) == 1 and key[1] in PAIRED_ATTRIBUTES:
            out.append(_change("changed", key, gone[0], came[0]))
            continue
        out.extend(_change("removed", key, e, None) for e in gone)
        out.extend(_change("added", key, None, e) for e in came)
    return _restatements_dropped(_merged(out))


def _change(kind: ChangeKind, key: _Key, before: _Entry | None, after: _Entry | None) -> Change:
    subject, attribute, qualifier, platform = key
    return Change(
        kind=kind,
        subject=subject,
        attribute=attribute,
        qualifier=qualifier,
        platforms=[platform] if platform else [],
        before=_side(before) if before else None,
        after=_side(after) if after else None,
    )


def _merged(changes: list[Change]) -> list[Change]:
    """One change per statement: the per-platform changes of one sentence become one with
    those platforms."""
    out: dict[tuple[object, ...], Change] = {}
    for c in changes:
        key = (
            c.kind,
            c.subject,
            c.attribute,
            c.qualifier,
            c.before and (c.before.value, c.before.citation.doc_id, c.before.citation.quote),
            c.after and (c.after.value, c.after.citation.doc_id, c.after.citation.quote),
        )
        if key in out:
            out[key].platforms.extend(p for p in c.platforms if p not in out[key].platforms)
        else:
            out[key] = c.model_copy(deep=True)
    return list(out.values())


def _restatements_dropped(changes: list[Change]) -> list[Change]:
    """Leave out a model's own 'constraint' fact when a change of the same kind from the
    same sentence already names that model ("On PA-5400 Series ..., you can use the HSCI
    port for HA3": the HA3 change says it)."""

    def quote(c: Change) -> str:
        side = c.after or c.before
        return side.citation.quote if side else ""

    covered = {(c.kind, quote(c), p) for c in changes if c.attribute != "constraint" for p in c.platforms}
    return [
        c
        for c in changes
        if not (
            c.attribute == "constraint" and c.platforms and all((c.kind, quote(c), p) in covered for p in c.platforms)
        )
    ]


# -- the comparison ----------------------------------------------------------


def changes(
    build: LoadedBuild,
    subject: str | None,
    from_version: str,
    to_version: str,
    product: str | None = None,
) -> Changes:
    """What the documents say differently for PAN-OS `to_version` than for `from_version`.

    BadInput (422) for a version that is no version, two equal versions, a product or a
    version no document covers; NotFound (404) for a subject the documents never name."""
    old_v, new_v = parse_version(from_version, "from"), parse_version(to_version, "to")
    if old_v == new_v:
        raise BadInput(
            f"from and to are the same PAN-OS version ({old_v}): ask for two different versions", code="same_version"
        )
    oldest, newest = sorted((old_v, new_v), key=_version_key)
    docs = _documents(build, product)
    names = _canonical_subject(build, subject) if subject and subject.strip() else None

    def about(f: Fact) -> bool:
        return names is None or f.subject in names or bool(set(names) & set(f.platforms))

    facts_of: dict[str, list[Fact]] = defaultdict(list)
    for f in build.facts.facts:
        if about(f):
            facts_of[f.doc_id].append(f)

    def speaks(d: DocumentMeta) -> bool:  # a page worth naming as not compared
        return names is None or bool(facts_of.get(d.doc_id))

    result = Changes(
        subject=_shown_subject(subject, names),
        product=product.strip() if product else None,
        from_version=old_v,
        to_version=new_v,
    )
    from_docs: list[DocumentMeta] = []
    to_docs: list[DocumentMeta] = []
    covered = {old_v: False, new_v: False}
    for family in _families(docs):
        sides = _sides(family, oldest, newest, old_v)
        covered[old_v] |= bool(sides.from_docs)
        covered[new_v] |= bool(sides.to_docs)
        if sides.from_docs and sides.from_docs == sides.to_docs:
            result.same_for_both += [_ref(d) for d in sides.from_docs if speaks(d)]  # "10.2 & later"
        elif sides.from_docs and sides.to_docs:
            from_docs += sides.from_docs
            to_docs += sides.to_docs
            s = family[0].scope
            result.compared.append(
                ComparedPage(
                    title=sides.to_docs[0].title,
                    product=s.product_label if s else "",
                    from_pages=[_ref(d) for d in sides.from_docs],
                    to_pages=[_ref(d) for d in sides.to_docs],
                    stand_in=sides.stand_in,
                )
            )
            if sides.stand_in:
                result.notes.append(
                    f"No version of {sides.to_docs[0].title!r} names PAN-OS {newest}: "
                    "the current documentation stands in for it."
                )
        else:
            result.only_from += [_ref(d) for d in sides.from_docs if speaks(d)]
            result.only_to += [_ref(d) for d in sides.to_docs if speaks(d)]
    missing = [v for v, found in covered.items() if not found]
    if missing:
        raise _not_covered(docs, missing, product)

    # Compared per product and deployment: a CN-Series sentence never cancels a firewall one.
    for key in dict.fromkeys(_product_key(d) for d in from_docs):
        old_ids = {d.doc_id for d in from_docs if _product_key(d) == key}
        new_ids = {d.doc_id for d in to_docs if _product_key(d) == key}
        found = _compare(
            [f for i in old_ids for f in facts_of.get(i, [])],
            [f for i in new_ids for f in facts_of.get(i, [])],
            names,
        )
        for c in found:
            getattr(result, c.kind).append(c)
    log.info(
        "changes %s -> %s (%s): %d compared pages, %d changes",
        old_v,
        new_v,
        result.subject or "all subjects",
        len(result.compared),
        result.count,
    )
    return result


def _shown_subject(asked: str | None, names: list[str] | None) -> str | None:
    """The subject as the result names it: as the documents write it ('ha3' -> 'HA3'), or
    the model asked ('pa5450' -> 'PA-5450') when it stands for several documented names."""
    if not asked or not names:
        return None
    if len(names) == 1:
        return names[0]
    return lexicon.canonical_model(asked) or asked.strip()


def _documents(build: LoadedBuild, product: str | None) -> list[DocumentMeta]:
    """The build's documents with a scope, of `product` when one is asked."""
    docs = [d for d in build.manifest.documents if d.scope is not None]
    if not product or not product.strip():
        return docs
    wanted = _norm_name(product)
    mine = [d for d in docs if wanted in _product_names(d)]
    if not mine:
        known = sorted({d.scope.product for d in docs if d.scope is not None and d.scope.product})
        raise BadInput(
            f"no document is about the product {product.strip()[:40]!r}; "
            f"the documents cover: {', '.join(known) or 'no named product'}",
            code="unknown_product",
            extra={"known": known},
        )
    return mine


def _not_covered(docs: list[DocumentMeta], missing: list[str], product: str | None) -> BadInput:
    """A version no page holds for is a question about documents the build does not have."""
    named = sorted({v for d in docs if d.scope for v in d.scope.versions}, key=_version_key)
    since = sorted({d.scope.since for d in docs if d.scope and d.scope.since}, key=_version_key)
    covered = [*named, *(f"{v} & later" for v in since)]
    if any(d.scope and d.scope.latest for d in docs):
        covered.append("current")
    what = f"{product.strip()[:40]} document" if product else "document"
    return BadInput(
        f"no {what} holds for PAN-OS {' or '.join(missing)}; "
        f"the documents cover PAN-OS {', '.join(covered) or 'no known version'}",
        code="unknown_version",
        extra={"covered": covered},
    )
