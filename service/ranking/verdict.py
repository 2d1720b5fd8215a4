"""Yes or no from a passage: the clause that says most of the question decides.

A window of evidence holds several sentences, and a sentence several clauses; the
one that answers a yes/no question is the clause that holds most of its weighted
words ("Active/passive mode supports a Layer 2 deployment; active/active mode does
not" is decided by its second clause for "does a/a support layer 2?"). Its
polarity is grammar, not phrasing: a negator in it is a No; a restriction
("supported only on active/passive pairs") that leaves out a term the question
asks is a No too; a clause that holds nearly all of the question and neither
negates nor hedges is a Yes. Anything else is quoted without a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from hakb.ingest import lexicon
from hakb.ingest.tables import read_row
from hakb.service.question import as_asked, asked_part
from hakb.service.ranking import text as tx
from hakb.service.ranking.sources import Signals, coverage, holds, in_ranges, introduces, is_step
from hakb.service.rules import contradicts
from hakb.text import split_sentences

# English negation (a closed class): in the deciding clause, it turns the answer to No.
NEGATION = re.compile(
    r"\b(?:not|cannot|can't|don't|doesn't|isn't|aren't|won't|never|no|disabled|unsupported)\b|n\u2019t\b", re.I
)
# What keeps a clause from saying Yes outright: an exception, a contrast, or a
# quantifier that leaves some out ("most of the configuration settings ... sync").
HEDGE = re.compile(r"\b(?:except|unless|however|but|most|unlike|other than)\b", re.I)
# Verbs of refusal (a closed class): a clause that says its subject drops or rejects what is
# asked of says No to its being handled otherwise ("does the peer forward them?" / "the
# peer discards them"), unless the question asks of that refusal itself.
REFUSAL = re.compile(
    r"(?<![\w-])(?:drop|drops|dropped|discard|discards|discarded|reject|rejects|rejected|ignore|ignores|"
    r"ignored|den(?:y|ies|ied)|block|blocks|blocked)(?![\w-])",
    re.I,
)
# Modality, a closed class too: a question of what must be ("do they all have to be
# pairs?") is not answered Yes by what may be ("can be ... or ...").
NECESSITY = re.compile(r"\b(?:must|have to|has to|need to|needs to|required|requires|require|mandatory)\b", re.I)
POSSIBILITY = re.compile(r"\b(?:can|could|may|optional|optionally)\b", re.I)
_MODAL_AUX = re.compile(r"\b(?:must|(?:have|has|need|needs) to)\b", re.I)
# A subordinate condition, up to the comma that ends it or the clause's end: its own
# negation is the condition's, not the statement's.
_CONDITION = re.compile(
    r"\b(?:when|whenever|if|unless|until|because|since)\b"
    # ... up to where the sentence's own predicate goes on: "goes down when a hard fault
    # occurs and does not keep its sessions" negates what the peer does, not the condition.
    r"(?:(?!\b(?:and|but)\s+(?:does|do|did|is|are|was|were|can|cannot|will|must|should|has|have|may|not|never)\b)[^,;:])*",
    re.I,
)
# A relative clause of place ("... configurations where link monitoring alone is not
# sufficient"): a restriction of the noun before it, unless it holds what is asked.
_RELATIVE = re.compile(r"\bwhere\b[^,;:]*", re.I)
# Alternatives offered side by side (a closed class): what may be one or the other need
# not be either.
ALTERNATIVES = re.compile(r"\b(?:or|either)\b", re.I)
# A restriction: what follows (or, at a clause's end, what precedes) is all it holds for.
ONLY = re.compile(r"\bonly\b", re.I)
# "...; active/active mode does not": a clause that is a negated auxiliary alone takes
# its predicate from the clause before it.
_ELLIPTIC = re.compile(
    r"\b(?:does|do|is|are|can|will|did|has|have)\s*(?:not|n't)\s*\.?\s*$|\b(?:cannot|can't)\s*\.?\s*$", re.I
)
# A clause whose subject is a pronoun (a closed class) speaks of what the sentence before named.
# A coordinator before it ("..., but they cannot be inspected") leaves it the same pronoun.
_ANAPHOR = re.compile(r"\s*(?:(?:but|and|yet)\s+)?(?:it|they|this|these)(?:\s|['\u2019](?:s|re)\b)", re.I)
# A term and its definition: "(Mandatory) Group ID: A numeric identifier ...", a label
# of a few words before the sentence's first colon.
_TERM = re.compile(r"^([^:;.]{1,60}?):\s+(?=\S)")
# Clause boundaries: a semicolon or colon, a contrast after a comma, and a coordinator that
# opens a clause with its own subject ("This option is disabled by default and you can
# enable it on one or both peers": the negation is the first clause's, not the second's).
_CLAUSE = re.compile(
    r"[;:]\s+|,\s+(?=(?:however|but|although|whereas|while)\b)"
    r"|,?\s+(?:and|but)\s+(?=(?:you|we|they|he|she)\s+(?:can|could|may|must|should|will|need|do|don't|cannot)\b)",
    re.I,
)

# How much of the question's weight the deciding clause must hold: enough that it is
# about the question at all, and, for a Yes, nearly all of it (a terse chat question
# needs more than an explicit "does/is/can").
ABOUT = 0.6
YES_EXPLICIT = 0.7
YES_TERSE = 0.85
# How much of what a chat question asks after its topic a clause must say itself when the
# topic is the window's (not the clause's) to be about the question.
LENT_TOPIC = 0.7


@dataclass(frozen=True)
class Decision:
    verdict: Literal["yes", "no"]
    clause: str
    sentence: str
    coverage: float


@dataclass(frozen=True)
class _Clause:
    text: str  # what is tested for polarity
    words: str  # what is tested for coverage (an elliptic clause with its predicate)
    sentence: str


def clauses(text: str, items: Sequence[str] = ()) -> list[_Clause]:
    """The statements of a window and its list items, each split into clauses; UI steps
    and sentences that only announce a list decide nothing."""
    out: list[_Clause] = []
    previous = ""  # the last clause of the sentence before: what a pronoun opening this one names
    # A list item is read sentence by sentence too: "Enabled —Enable path monitoring ...
    # Use path monitoring for virtual wire ... where ... is not sufficient." negates nothing
    # its first sentence says.
    # An item that only names something takes its predicate from the sentence that
    # introduces its list: "Upon a leader node failover, the following protocols are
    # renegotiated: - BGP - PIM ..." says PIM is renegotiated. An item with words of its own
    # ("Active/passive mode has ...") says its own thing.
    said = split_sentences(text) or [text]
    intro = next((s.strip() for s in reversed(said) if introduces(s.strip())), "") if items else ""
    if HEDGE.search(intro):
        intro = ""  # "... never synchronized, except:" does not say its items are not
    units = [
        *((s, "") for s in said),
        *((s, intro if _names_only(item) else "") for item in items for s in split_sentences(item) or [item]),
    ]
    before_it = ""  # the sentence before: the case that "In this case, ..." speaks of
    for n, (sentence, lead) in enumerate(units):
        s = sentence.strip()
        if not s or is_step(s) or introduces(s):
            previous = before_it = ""
            continue
        # "PA-5200 Series firewalls have HA1-A and HA1-B. In this case, you should enable
        # Heartbeat Backup.": the case is what the sentence before says.
        case = before_it if _IN_THIS_CASE.match(s) else ""
        before_it = s
        # "... a firewall in Passive HA state can communicate ... using LACP. Such
        # pre-negotiation speeds up failover.": the next sentence names what this one says.
        named = _named_by_next(units[n + 1][0] if n + 1 < len(units) and not lead else "")
        rows = _rows(s)
        if rows:
            # Rows of a table flattened into one line: each row says its own thing.
            out.extend(_Clause(r, r, s) for r in rows)
            previous = before_it = ""
            continue
        before = last = ""
        term = _TERM.match(s)
        for part in _joined_conditions([p for p in _CLAUSE.split(s) if p.strip()]):
            piped = _piped_rows(part)
            if piped:
                # "ARP Table | Yes | No | HA2 | IPSec SAs (phase 2) | Yes | Yes | HA2 | ...":
                # a table's rows, cell by cell; each says its own thing.
                out.extend(_Clause(r, r, s) for r in piped)
                before = part
                continue
            text = f"{lead} {part}" if lead and not before else part
            if before and (_ELLIPTIC.search(part) or (_ANAPHOR.match(part) and NEGATION.search(part))):
                # "...; active/active mode does not" takes its predicate from the clause before;
                # "The IP addresses remain local ...; they do not move between devices" its
                # subject: the pronoun of a clause that denies names what the clause before is
                # about.
                words = f"{before} {part}"
            elif term and before == term.group(1):
                # "Group ID: A numeric identifier ... that must match on both HA peers": a
                # definition speaks of the term it defines, and "Not supported: ..." says
                # its No of what follows it.
                words = text = f"{before} {part}"
            elif not before and previous and _ANAPHOR.match(part) and _repeats(part, previous):
                # "Panorama supports ... from active firewalls only. It does not support ...
                # from passive firewalls.": "It" is Panorama, and the clause says the same of
                # another case. A pronoun clause that says something else ("HA1 uses port
                # 28769. It is not encrypted by default.") borrows nothing.
                words = f"{previous} {part}"
            else:
                words = text
            words = f"{case} {words} {named}".strip()
            out.append(_Clause(text, words, s))
            before = part
            last = words
        previous = last if before else ""
    return out


def _joined_conditions(parts: list[str]) -> list[str]:
    """Clauses with a bare condition joined to the one that goes on with it: "If Primary
    device is configured, | but the firewall ... is not in active-primary state, the firewall
    forwards ..." is one condition, then its statement."""
    out: list[str] = []
    for part in parts:
        if out and _LEADING_CONDITION.match(out[-1]) and not _main_part(out[-1]).strip(" ,.;:"):
            out[-1] = f"{out[-1].rstrip()} {part.lstrip()}" if out[-1].rstrip().endswith(",") else f"{out[-1]}, {part}"
        else:
            out.append(part)
    return out


# A sentence that opens with a demonstrative (a closed class) and a noun ("Such
# pre-negotiation ...", "This behavior ...") names, with that noun, what the sentence
# before it said.
_DEMONSTRATIVE = re.compile(r"^\s*(?:such|this|these)\s+([a-z][\w-]*)\b", re.I)


def _named_by_next(sentence: str) -> str:
    m = _DEMONSTRATIVE.match(sentence)
    if m is None or _STATEMENT.fullmatch(m.group(1)) or NEGATION.fullmatch(m.group(1)):
        return ""  # "This is ...", "This does not ...": no noun
    return m.group(1)


# A table row as a flattened page gives it: a label and its Yes/No cells ("Device
# Identification Yes Yes Yes").
_CELL = r"(?:Yes|No|N/A)\b"
_ROW = re.compile(
    rf"(?P<label>(?!{_CELL})[A-Z][^\s.;:?!]*(?:\s+(?!{_CELL})[^\s.;:?!]+)*?)"
    r"\s+(?P<cells>(?:Yes|No)(?:\s+(?:Yes|No))+)(?=\s|$)"
)


def _rows(sentence: str) -> list[str]:
    """The rows of a line that is only table rows, or none."""
    found = list(_ROW.finditer(sentence))
    rows = [r.group(0).strip() for r in found]
    # The rows tile the line, each with as many cells as the others: a cell that is neither
    # ("N/A", "Service Route") is a column this reading does not know.
    return (
        rows
        if len(rows) > 1
        and " ".join(rows) == " ".join(sentence.split())
        and len({len(r.group("cells").split()) for r in found}) == 1
        else []
    )


# Cells of a table written with pipes: "ARP Table | Yes | No | HA2".
_PIPED = re.compile(r"\s\|\s")
_YES_NO_CELL = re.compile(r"Yes|No")


def _piped_rows(part: str) -> list[str]:
    """The rows of a line of pipe-separated cells, found by their period: each row a label
    (no Yes/No cell) and cells whose Yes/No columns fall alike in every row; or none."""
    if not _PIPED.search(part):
        return []
    fields = [f.strip() for f in part.split("|")]
    if fields and not fields[-1]:
        fields = fields[:-1]
    for period in range(2, 8):
        if len(fields) // period < 2:
            continue
        # A window may end inside a row: its last, partial row says nothing.
        rows = [fields[i : i + period] for i in range(0, len(fields) - period + 1, period)]
        shape = [bool(_YES_NO_CELL.fullmatch(f)) for f in rows[0]]
        if (
            any(shape)
            and all(not re.fullmatch(rf"{_CELL}|\W*", r[0]) for r in rows)
            and all([bool(_YES_NO_CELL.fullmatch(f)) for f in r] == shape for r in rows)
        ):
            return [" | ".join(r) for r in rows]
    return []


# A sentence that opens by pointing back to a case (a closed class of determiners).
_IN_THIS_CASE = re.compile(r"^\s*in\s+(?:this|that|such|these|those|either|each)\s+(?:an?\s+)?cases?\b", re.I)


# A list item that names a thing: a few words, none of them a verb of the closed class
# that makes a statement.
_STATEMENT = re.compile(r"\b(?:is|are|was|were|be|has|have|does|do|can|must|will|should|may)\b", re.I)


def _names_only(item: str) -> bool:
    return len(item.split()) <= 4 and not _STATEMENT.search(item)


def _repeats(clause: str, antecedent: str) -> bool:
    """Whether a clause repeats its antecedent's predicate: a content word of both."""
    own = {tx.stem(w) for w in tx.tokens(clause) if len(w) > 4}
    return bool(own & {tx.stem(w) for w in tx.tokens(antecedent) if len(w) > 4})


def decide(
    sig: Signals,
    text: str,
    items: Sequence[str] = (),
    *,
    explicit: bool,
    rare: float,
    label: str = "",
    known: frozenset[str] = frozenset(),
    page: Mapping[str, int] | None = None,
) -> Decision | None:
    """The verdict the window `text` (with its `items`, under the heading `label`) gives
    the question of `sig`, or None. `explicit`: the question asks "does/is/can ...";
    otherwise it is terse chat, and a Yes needs more of it said. `rare`: the weight from
    which a question's word names its topic, so the window must hold it. `known`: the
    slash compounds the documents name, which tell a mode ("active/active", one of a
    family) from a pair of things ("ha1-a/ha1-b"). `page`: how often the window's page
    names each slash compound."""
    question = sig.query.norm or sig.query.text
    # "have to", "need to": the modality asked (read below), not a word the topic holds.
    sig = sig.without({w for m in _MODAL_AUX.finditer(question) for w in m.group(0).lower().split()})
    if not sig.words:
        return None
    said = " ".join([text, *items])
    # The modes asked ("active/active"): compounds of a family the documents name. A pair
    # of things ("ha1-a/ha1-b") is two words asked, not one mode.
    page = page or {}
    asked = tx.alternatives(tx.compounds(question), known | page.keys() | tx.compounds(f"{said} {label}"))
    modes = sorted(a for a in asked if _page_mode(a, page))
    if modes:
        label = " ".join([label, *modes])
    window = _stems(sig, f"{said} {label}")
    if not _numbers_held(sig, said):
        return None
    rendered = read_row(text)
    if rendered is not None:
        # A row of a support table: its cells are the predicate ("supported" is what the
        # table is of), so it is read by its own rule, not for every word being said.
        return _row_verdict(sig, *rendered, text)
    if _missing(sig, window, rare, f"{said} {label}") and not contradicts(question, said):
        # The window is not about everything the question names (unless it says the
        # opposite of the word it lacks: "separate" for "same").
        return None
    topic = _rarest_topic(sig)
    # A chat question's topic (before its dash or colon) that the window holds in full is
    # said for each of its clauses, as a heading is; the clause that decides is one that
    # says something of what is asked after it ("heartbeat backup on the management port:
    # is there a spare port?" is decided by "there is no concept of a spare port", not by
    # "Heartbeat backup over the management port protects the control link").
    setting = _topic_said(sig, question, window)
    best: tuple[tuple[bool, float, bool, float], _Clause, set[str], float] | None = None
    for c in clauses(text, items):
        named = tx.compounds(f"{c.words} {label}")
        unsaid = asked - named
        # "active/active" asked, "active/passive" said: the clause is about the other one.
        other = {a for a in unsaid if any(_shares_half(a, n) for n in named)}
        # A sentence that names the family speaking for the model asked is about the model
        # in each of its clauses, as a heading that names it is.
        where = (
            f"{label} {' '.join(_model_words(sig))}"
            if _speaks_for_model(sig, c.sentence) and not _about_another_platform(sig, c.text)
            else label
        )
        agreement = _polarity_agreement(sig, c.words)
        headed = _cover(sig, f"{c.words} {where} {setting}", unsaid) + agreement
        plain = _cover(sig, f"{c.words} {where}", unsaid) + agreement if setting else headed
        own = _cover(sig, c.words, unsaid)
        # Among clauses that cover alike, one that speaks of the kind of thing asked (a
        # mode, when a mode is asked) decides, then one that says it in its own words
        # rather than through its heading.
        key = (not setting or _says_asked(sig, question, c.words), round(headed, 6), bool(other), own)
        if best is None or key > best[0]:
            best = (key, c, other, plain)
    if best is None:
        return None
    (_, cov, _, own), c, other, plain = best
    if cov < ABOUT:
        return None
    if plain < ABOUT and _cover(sig.without(set(setting.split())), c.words, other) < LENT_TOPIC:
        # About the question only with the window's topic lent to it, the clause must say
        # nearly all that is asked of the topic itself: "a peer in the suspended state never
        # sends hello messages" says nothing of "preemption - can both peers be active at
        # once?", though its window names preemption.
        return None
    row = _ROW.fullmatch(c.text)
    fields = [f.strip() for f in c.text.split("|")] if _PIPED.search(c.text) else []
    if fields and "No" in fields[1:]:
        fields = []  # a No among a row's cells is read as a clause's negation is, below
    if (row and set(row.group("cells").split()) == {"Yes"}) or fields:
        # A row whose every cell says Yes says it of whatever column is asked, when its own
        # label names what the question is most about. (A No among a flattened row's cells
        # is read as a clause's negation is, below.)
        label = row.group("label") if row else fields[0]
        if other or (topic is not None and not holds(sig, topic, _stems(sig, label))):
            return None
        return Decision("yes", c.text, c.sentence, cov)
    main = _main_part(c.text)
    hedged = bool(HEDGE.search(c.text))
    restricted = _RELATIVE.sub(" ", main)
    own_words = _stems(sig, restricted)
    relative = _stems(sig, " ".join(m.group(0) for m in _RELATIVE.finditer(main)))
    if (
        restricted != main
        and (topic is None or holds(sig, topic, own_words))
        # The relative clause adds nothing asked that the rest does not say: "where the
        # management port is not used for HA1" holds the case asked of heartbeat backup.
        and not any(holds(sig, w, relative) and not holds(sig, w, own_words) for w in sig.words)
    ):
        hedged = True  # what holds only where the relative clause says is no plain Yes
        # "Use path monitoring for virtual wire ... configurations where ... is not
        # sufficient" says path monitoring is used there; "a port where heartbeat backup is
        # not supported" says its No in the relative clause, which holds what is asked.
        main = restricted
    if ONLY.search(c.text) and not NEGATION.search(main):
        if other:
            # "supported only on active/passive pairs" for "... in a/a?": the restriction
            # leaves out the mode asked.
            return Decision("no", c.text, c.sentence, cov)
        if _missing(sig, _stems(sig, f"{c.words} {label}"), rare, f"{c.words} {label}"):
            # A rare word of the question the restricted clause does not mention is neither
            # denied nor granted by it ("supported only on active/passive pairs" says nothing
            # of whether the link is encrypted): what a sentence does not mention, it does not
            # deny, and what holds only somewhere is no plain Yes to it either.
            hedged = True
    if _excludes_model(sig, c.text):
        # "Enable jumbo frames on firewalls other than PA-7000 Series firewalls" does not
        # hold for a PA-7080; what a negated clause excludes it from is no plain Yes either.
        return None if NEGATION.search(main) else Decision("no", c.text, c.sentence, cov)
    if other or _about_a_sibling(sig, said, c.text) or _about_another_platform(sig, c.text):
        return None
    if contradicts(question, c.text) or _reverses_order(sig, question, c.text):
        # "must be configured on separate physical ports" for "... on the same port ok?"
        return Decision("no", c.text, c.sentence, cov)
    named_topic = topic is None or holds(sig, topic, _stems(sig, c.words))
    if not named_topic and not holds(sig, topic or "", _stems(sig, f"{c.words} {setting}")):
        # The clause must name what the question is most about itself, not through its
        # heading: "HA1 ... are not supported between cluster members" under "HA Links and
        # Backup Links" says nothing of backup links. (A chat question's topic the window
        # holds is the clause's, for a No it says of what is asked.)
        return None
    refuses = bool(REFUSAL.search(main)) and not REFUSAL.search(question)
    negated = bool(NEGATION.search(main)) or _negates(sig, main)
    if refuses and negated:
        return None  # "it does not drop them": a refusal denied is no No, nor a plain Yes
    if negated or refuses:
        if _excepted(sig, main):
            return None
        return Decision("no", c.text, c.sentence, cov)
    if not named_topic:
        return None  # a Yes names the topic itself
    if asked - tx.compounds(f"{c.words} {label}"):
        return None  # a Yes for "a/a" needs a clause that says active/active
    if NECESSITY.search(question) and POSSIBILITY.search(c.text) and not NECESSITY.search(c.text):
        # What must be, answered by what may be: with alternatives beside what is asked
        # ("can be standalone members or HA pairs"), it need not be.
        return Decision("no", c.text, c.sentence, cov) if ALTERNATIVES.search(c.text) else None
    # The model asked is where the question holds: a Yes is read from what is asked of it.
    # A clause that names the model ("PA-3200 Series firewalls require trunk mode ...") and
    # says something else is no Yes to "is access mode supported?".
    content = sig.without(set(_model_words(sig)))
    if len(_held(content, c.words)) < 2:
        return None  # one shared word ("SUSPENDED—Triggered by administrator.") says no Yes
    unsaid = asked - tx.compounds(f"{c.words} {label}")
    # Chat sets the topic before a dash or a colon ("ha1 on the management port - must both
    # peers send hellos at the same interval?"): like a heading, a window that holds all of
    # it is about it, and the clause says the rest. Only an explicit question says what it
    # asks of its topic: a terse part after the dash ("- hello interval default?") may ask
    # the topic's value.
    context = _topic_said(sig, question, window) if explicit else ""
    own = _cover(content, f"{c.words} {context}", unsaid) if content is not sig or context else own
    if explicit and own >= ABOUT:
        # An explicit question ("does a suspended member keep its ports down?") names its
        # subject as the heading does ("Member States"); the clause says the rest. Terse
        # chat is no such sentence: a bare topic may ask its value, not whether.
        own = _cover(content, f"{c.words} {label} {context}", unsaid)
    if (
        own >= (YES_EXPLICIT if explicit else YES_TERSE)
        # A Yes needs a clause about the question without the window's topic lent to it:
        # what a clause does not deny of the topic, it need not grant.
        and plain >= ABOUT
        and not hedged
        and _quantified(question, c.text)
        and not _other_particle(content, question, c.text)
        and _says_asked(content, question, c.words)
    ):
        return Decision("yes", c.text, c.sentence, own)
    return None


# A verb and the adverb particle (a closed class) that makes it a phrasal verb, with a
# short object between them or none: "take over", "taking it out", "turn its links off".
_PHRASAL = re.compile(
    r"\b([a-z]{3,})\s+(?:(?:it|them|this|that|(?:its|their|the)\s+[a-z][\w-]*)\s+)?(up|down|over|out|off|back)\b", re.I
)


def _other_particle(sig: Signals, question: str, clause: str) -> bool:
    """Whether the clause says a verb the question asks only with another particle: "does
    the passive still take over?" is not what "taking it out of the pair" says, though
    both say "take"."""
    said: dict[str, list[str]] = {}
    for m in _PHRASAL.finditer(clause):
        said.setdefault(tx.stem(m.group(1).lower()), []).append(m.group(2).lower())
    for m in _PHRASAL.finditer(question):
        verb, particle = tx.stem(m.group(1).lower()), m.group(2).lower()
        if not any(tx.stem(w) == verb for w in sig.words):
            continue
        own = [tx.stem(w) for w in tx.tokens(clause) if tx.stem(w) == verb]
        # Every time the clause says the verb, it says it with another particle.
        if own and len(own) == len(said.get(verb, [])) and particle not in said[verb]:
            return True
    return False


# How many times as often as all its siblings together a page names the mode it is about.
PAGE_MODE = 3


def _page_mode(mode: str, page: Mapping[str, int]) -> bool:
    """Whether a page speaks of `mode` throughout, as a heading that names it does: it
    names that mode of its family far more often than any other ("Session Setup" says
    active/active, and active/passive once, of a pair made to "function like an
    active/passive HA pair"); a page of both ("HA Modes") says neither for all."""
    siblings = sum(n for k, n in page.items() if k != mode and _shares_half(mode, k))
    return page.get(mode, 0) > 0 and page.get(mode, 0) >= PAGE_MODE * siblings


# Quantifiers (a closed class): "can both peers be active at once?" asks of both together,
# which a clause about "the active peer" does not say; "does one link down always mean a
# failover?" asks of every case, which "failover can be triggered when a link fails" does not.
_QUANTIFIER = re.compile(r"\b(?:both|all|every|each|either|neither)\b", re.I)


# Reciprocal and relational words (a closed class): "the HA1 IP address for the peers must
# be on the same subnet" says of both what "do both ha1 ips have to be in the same subnet?"
# asks, as a quantifier would.
_RECIPROCAL = re.compile(r"\b(?:same|identical|match|matches|each other|one another)\b", re.I)


def _quantified(question: str, clause: str) -> bool:
    """A Yes to a question with a quantifier needs a clause with one, or a relation both
    say ("same") that holds of all it relates."""
    if not _QUANTIFIER.search(question) or _QUANTIFIER.search(clause):
        return True
    relation = {m.group(0).lower() for m in _RECIPROCAL.finditer(question)}
    return bool(relation & {m.group(0).lower() for m in _RECIPROCAL.finditer(clause)})


_ASKED_TERM = 0.7  # as specific as a word of English that names a thing, not a verb of chat


def _says_asked(sig: Signals, question: str, words: str) -> bool:
    """Whether a clause says something of what a chat question asks after its topic (its
    last dash or colon): "relay node in a mesh - can it stay idle?" is no Yes from "a
    mesh can hold relay nodes", which holds the topic and nothing asked of it."""
    part = asked_part(question)
    if part == question:
        return True
    # Its terms, not the everyday verbs a chat question asks with ("supported?", "ok?").
    asked = [w for w in sig.words if holds(sig, w, tx.stems_of(part)) and tx.specificity(w) >= _ASKED_TERM]
    stems = _stems(sig, words)
    return not asked or any(holds(sig, w, stems) for w in asked)


def _topic_said(sig: Signals, question: str, window: frozenset[str]) -> str:
    """The words of a chat question's topic part (before its last dash or colon) that its
    asked part does not name, when the window holds them all: what the clause need not
    repeat."""
    part = asked_part(question)
    if part == question:
        return ""
    asked = tx.stems_of(part)
    topic = [w for w in sig.words if not holds(sig, w, asked)]
    # A topic of a product on one cloud is not said by a window about two other clouds that
    # says "cloud" somewhere: the window holds all of the topic or none of it counts.
    return " ".join(topic) if all(holds(sig, w, window) for w in topic) else ""


# An event placed in time by a preposition of order (a closed class), up to the clause's
# punctuation: "before the heartbeat backup is enabled", "After you enable it ...".
_ORDER = re.compile(r"\b(before|after)\b([^,;:.?!]+)", re.I)


def _reverses_order(sig: Signals, question: str, clause: str) -> bool:
    """The clause puts the event the question places in time on its other side: "... the
    hold timer before the heartbeat backup is enabled?" against "After you enable the
    heartbeat backup, you can configure the hold timer". Only the same event reverses:
    "Before you enable X, configure Y" does not reverse "Y after X"."""
    for asked in _ORDER.finditer(question):
        event = [w for w in sig.words if holds(sig, w, tx.stems_of(asked.group(2)))]
        if not event:
            continue
        for said in _ORDER.finditer(clause):
            if said.group(1).lower() != asked.group(1).lower() and all(
                holds(sig, w, _stems(sig, said.group(2))) for w in event
            ):
                return True
    return False


# A term the documents write in capitals that is an English word: a state or a status
# ("DEGRADED", "FAILED", "SUSPENDED"), one of several the window names; acronyms (HSCI,
# NGFW) are no English words and name no such alternative.
_CAPITAL_TERM = re.compile(r"\b[A-Z][A-Z]{3,}\b")


def _about_a_sibling(sig: Signals, window: str, clause: str) -> bool:
    """The question names one of the window's capitalised terms and the clause names only
    others: "FAILED state ... does not allow Layer 7 continuity" says nothing of a DEGRADED
    node, though its window speaks of both."""
    terms = {t.lower() for t in _CAPITAL_TERM.findall(window) if tx.english_zipf(t.lower()) >= 3.0}
    asked = terms & set(sig.words)
    said = {t.lower() for t in _CAPITAL_TERM.findall(clause)} & terms
    return bool(asked) and bool(said) and not asked & said


def _row_verdict(sig: Signals, label: str, cells: list[tuple[str, str]], text: str) -> Decision | None:
    """A table row with its cells by column ("Clientless SSLVPN — Standalone PA-7500 Series
    Firewall: Yes; NGFW Cluster Node: No; Graceful Failover: No"): the Yes or No of the
    column the question names, or of every column when they all say it. The row's label
    must hold what the question is most about; a column is named by the question's words
    its name says that the label does not, weighed, and not the model where the question
    holds (every column of a model's table is about it)."""
    topic = _rarest_topic(sig)
    own = _stems(sig, label)
    if topic is not None and not holds(sig, topic, own):
        return None
    asked = [w for w in sig.words if w not in sig.where and not holds(sig, w, own)]

    def weight(name: str) -> float:
        # The most telling word the question says of a column, not how many: "ngfw
        # cluster" is where a question about surviving a failover is asked, and names the
        # "NGFW Cluster Node" column by three common words against "failover" by one rarer.
        # A column's name is read as the question's words are ("A/A": active/active).
        stems = _stems(sig, as_asked(name))
        return max((sig.weights[w] for w in asked if holds(sig, w, stems)), default=0.0)

    def fit(name: str) -> tuple[int, int]:
        # How many of the column name's words the question leaves unsaid, then how many of
        # the question's words it says: of "A/P" and "A/A", which both say "active", "a/a"
        # names the one without "passive", and "a/p" the one that says it too.
        said = set().union(*(sig.expand[w] for w in asked)) if asked else set()
        stems = tx.stems_of(as_asked(name))
        return len(stems - said), -sum(1 for w in asked if holds(sig, w, stems))

    answers = [(weight(name), name, _ANSWER.match(cell)) for name, cell in cells]
    named = max((w for w, _, _ in answers), default=0.0)
    if named > 0:
        # A column named barely more than another ("survive a node failover": "node" for
        # NGFW Cluster Node, "failover" for Graceful Failover) is no choice: both are read,
        # and they must agree; of columns named alike, the one whose name the question
        # says more of.
        chosen = [a for a in answers if a[0] * _CLEAR_CHOICE > named]
        best = min(fit(name) for _, name, _ in chosen)
        chosen = [a for a in chosen if fit(a[1]) == best]
    else:
        chosen = answers  # no column named: the row answers only if every cell agrees
    # What the question asks beyond the row and its columns must be no term of its own
    # ("supported", "still work" are the table's predicate; "encryption" is a question
    # the row does not answer).
    columns = _stems(sig, as_asked(" ".join(name for name, _ in cells)))
    if any(tx.specificity(w) >= _ROW_TERM for w in asked if not holds(sig, w, columns)):
        return None
    said = {m.group(0).lower() if m else None for _, _, m in chosen}
    if len(said) != 1 or None in said:
        return None
    verdict: Literal["yes", "no"] = "yes" if said == {"yes"} else "no"
    picked = {name for _, name, _ in chosen}
    clause = "; ".join(f"{name}: {cell}" for name, cell in cells if not named or name in picked)
    return Decision(verdict, f"{label} — {clause}", text, 1.0)


_CLEAR_CHOICE = 1.5  # how much more a column must be named than the next to be the one asked
_ROW_TERM = 0.75  # as specific as a term of the question (engine.TERM_SPECIFICITY)

# A cell that answers: Yes or No (with whatever qualifies it after a comma). "N/A" does not.
_ANSWER = re.compile(r"(?:Yes|No)\b(?!/)")


def _model_words(sig: Signals) -> list[str]:
    """The question's words that name the model asked ("pa-5550")."""
    model = sig.query.platform
    return [w for w in sig.words if model and lexicon.canonical_model(w) == model]


def _with_model(sig: Signals, stems: frozenset[str]) -> frozenset[str]:
    """A window that names a documented name speaking for the model asked (its family:
    "PA-5500 firewalls" for a PA-5550) speaks of that model."""
    if not _model_names(sig) & stems:
        return stems
    return stems | frozenset(s for w in _model_words(sig) for s in sig.expand[w])


def _model_names(sig: Signals) -> frozenset[str]:
    return frozenset(tx.stem(n.split()[0].lower()) for n in sig.platforms)


def _about_another_platform(sig: Signals, clause: str) -> bool:
    """The clause names platforms, none of them the model asked or a name that speaks for
    it: "HSCI ports are supported on the PA-5400 Series; ..." says nothing of a PA-1410,
    though its sentence goes on to name the PA-1400 Series."""
    if not sig.platforms:
        return False
    named = {m.name for m in lexicon.platforms_in(clause)}
    return bool(named) and not named & _speaking_names(sig)


# An exception (a closed class) and what it leaves out, up to the clause's punctuation.
_EXCLUSION = re.compile(r"\b(?:other than|except(?:\s+for)?|excluding)\s+([^,;:()]+)", re.I)


def _excludes_model(sig: Signals, clause: str) -> bool:
    """The clause leaves out the model asked, by its name or its family's: "all models
    except the PA-5400 Series" says nothing for a PA-5450 but that it is left out."""
    speaks = _speaking_names(sig)
    return any({m.name for m in lexicon.platforms_in(e.group(1))} & speaks for e in _EXCLUSION.finditer(clause))


def _excepted(sig: Signals, clause: str) -> bool:
    """The question is about what a negated clause excepts: "there is no concept of passive
    firewalls except for HA pairs in the clusters, which can keep their active/passive
    relationship" says no No of HA pairs: every word asked that the rest of the clause
    lacks, its exception names. (An exception that names only some of them leaves the
    clause's No standing for the question.)"""
    for e in _EXCLUSION.finditer(clause):
        rest = _stems(sig, clause[: e.start()] + clause[e.end() :])
        excepted = _stems(sig, e.group(1))
        if all(holds(sig, w, excepted) for w in sig.words if not holds(sig, w, rest)) and not all(
            holds(sig, w, rest) for w in sig.words
        ):
            return True
    return False


def _speaking_names(sig: Signals) -> set[str]:
    """The documented names that speak for the model asked: its own, its family's."""
    return (
        set(sig.platforms) | {f"{n} Series" for n in sig.platforms} | {n.removesuffix(" Series") for n in sig.platforms}
    )


def _speaks_for_model(sig: Signals, sentence: str) -> bool:
    return bool(sig.platforms) and bool(_model_names(sig) & tx.stems_of(sentence))


def _rarest_topic(sig: Signals) -> str | None:
    """The question's rarest word that is not the model asked: a model is where the
    question holds, which the window's sentences say once ("PA-5500 firewalls require
    trunk mode ...; access mode is not supported"), not what each clause repeats."""
    models = set(_model_words(sig))
    topic = [w for w in sig.words if w not in models and w in sig.weights]
    if sig.rarest not in sig.weights or not topic:
        return None
    if sig.rarest not in models:
        return sig.rarest
    return max(topic, key=lambda w: sig.weights[w])


def _stems(sig: Signals, text: str) -> frozenset[str]:
    """The stems a text says, with the numbers asked that a stated range of it holds
    ("5405" of "5404–5406"), as ranking reads a candidate, and the model asked when the
    text names the family that speaks for it."""
    return _with_model(sig, tx.stems_of(text) | in_ranges(sig, text))


def _main_part(clause: str) -> str:
    """The clause without its conditions: "In-band ports can be used for backup links
    when dedicated backup links are not available" negates nothing it says of in-band
    ports; "If you didn't configure a list, you don't need to add the IP" still does."""
    lead = _LEADING_CONDITION.match(clause)
    if lead:
        # A condition that opens the clause runs to its comma, whatever it coordinates: "If
        # the link goes down and does not recover ..., the passive firewall takes over."
        clause = clause[lead.end() :]
    return _CONDITION.sub(" ", clause)


# ... with what it coordinates after a comma: "If Primary device is configured, but the
# firewall that receives the first packet is not in active-primary state, the firewall
# forwards the packet" negates nothing the firewall does.
_LEADING_CONDITION = re.compile(
    r"^\s*(?:when|whenever|if|unless|until|because|since)\b[^,;:]*(?:,\s*(?:but|and)\b[^,;:]*)*[,;:]?", re.I
)


def _negates(sig: Signals, clause: str) -> bool:
    """A word of the question that the clause negates ("you must disable config sync")."""
    return any(sig.polar.get(tx.stem(w), 1) > 0 and tx.polarity(clause, sig.expand[w]) < 0 for w in sig.words)


def _held(sig: Signals, words: str) -> list[str]:
    stems = _stems(sig, words)
    return [w for w in sig.words if holds(sig, w, stems)]


def _cover(sig: Signals, words: str, unsaid: set[str]) -> float:
    """Coverage of the question by `words`, where a compound asked and not said
    ("active/active") is not covered by its halves ("active firewall")."""
    stems = _stems(sig, words)
    if unsaid:
        stems = stems - {tx.stem(h) for a in unsaid for h in a.split("/")}
    return coverage(sig, stems, where=True)[0]


def _polarity_agreement(sig: Signals, words: str) -> float:
    """For the words the question negates, the share of its weight that the clause
    negates too, less the share it affirms: "no permitted ip list configured" is
    answered by "if you did not configure a Permitted IP list", not by "if you
    configured a Permitted IP list". (A clause that negates what the question affirms
    is its No, not a disagreement.)"""
    score = 0.0
    for w in sig.words:
        if sig.polar.get(tx.stem(w), 0) < 0:
            score -= sig.weights[w] * tx.polarity(words, sig.expand[w])
    return score / sig.total


def _shares_half(a: str, b: str) -> bool:
    return bool(set(a.split("/")) & set(b.split("/")))


def _missing(sig: Signals, stems: frozenset[str], rare: float, text: str) -> list[str]:
    """The question's rare words (weight `rare` or more) not in `stems` (the stems of
    `text`): what a window must hold to decide, and what an "only ..." restriction that
    leaves one out says No to. Rare in the documents is not enough when everyday English
    says it otherwise: "on the same date" is asked of "at the same time", and a sentence
    need not say "date". A text that names no platform says what it says of every model,
    so the model asked is no word it lacks."""
    models = set() if lexicon.platforms_in(text) else set(_model_words(sig))
    return [
        w
        for w in sig.words
        if w not in models and sig.weights[w] * tx.specificity(w) >= rare and not holds(sig, w, stems)
    ]


def _numbers_held(sig: Signals, sentence: str) -> bool:
    # A number within a stated range is held too ("5405" by "5404–5406"), as ranking reads it.
    tokens = set(re.findall(r"\b\d+\b", sentence.replace(",", ""))) | in_ranges(sig, sentence)
    return all(n in tokens for n in sig.query.numbers)
