"""The rules engine: a parsed question -> the facts that answer it, and their wording.

Every value in an answer comes from a fact; the words around values ("uses",
"ether type") are fixed phrasing, never numbers or names.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from hakb import attributes
from hakb.ingest import lexicon
from hakb.ingest.facts import same_value
from hakb.ingest.models import Fact
from hakb.service.facts_table import FactTable, fact_stems, norm_value, numbers_in, stem
from hakb.service.question import Query
from hakb.service.ranking import text as tx
from hakb.service.ranking.text import english_zipf
from hakb.service.vocabulary import Vocabulary

# Attribute groups answered together, keyed by the attribute a cue names first.
GROUPS: dict[str, tuple[str, ...]] = {
    "ethertype": ("ethertype",),
    "encapsulation": ("encapsulation",),
    "dedicated-ha-ports": ("dedicated-ha-ports",),
    "encryption": ("port", "protocol", "not-supported"),
    "requires": ("requires", "message-size", "required-in", "not-required"),
    "direction": ("direction", "keepalive"),
    "keepalive": ("keepalive", "direction"),
    "layer": ("layer",),
    "spans-subnets": ("spans-subnets", "transport"),
    "can-use": ("can-use", "not-supported"),
    "protocol": ("protocol", "transport", "port", "ip-protocol"),
    "port": ("port", "ip-protocol"),
    "recommended": ("recommended", "interface"),
    "interface": ("interface",),
    "purpose": ("purpose", "synchronizes"),
}
REVERSE_ATTRIBUTES = attributes.REVERSE
label = attributes.label  # how an attribute reads in an answer


@dataclass
class RuleResult:
    facts: list[Fact]
    text: str
    polarity: bool | None = None  # yes/no questions: True yes, False no, None undecided
    confidence: float = 0.9
    note: str | None = None  # e.g. "PA-3260 is documented as PA-3200 Series"
    abstain_reason: str | None = None
    looked_for: str = ""
    platform_names: list[str] = field(default_factory=list)
    support: list[Fact] = field(default_factory=list)  # cited for the note, not answers


def answer(
    query: Query, table: FactTable, context: Query | None = None, vocab: Vocabulary | None = None
) -> RuleResult | None:
    """Facts for the query, or None when the rules table cannot say (try passages).

    `vocab` is every word of the build's documents: a topic word the documents
    use somewhere, but no candidate fact does, means the question is about
    something else than the facts found, so passages get their turn.
    """
    if query.unknown_links:
        known = sorted(s for s in table.subjects if s in lexicon.LINKS)
        return RuleResult(
            facts=[],
            text="",
            abstain_reason=f"The documents describe no {', '.join(query.unknown_links)} link (they cover {', '.join(known)}).",
            looked_for=", ".join(query.unknown_links),
        )
    subjects = list(query.subjects)
    groups = [a for a in query.attributes if a in GROUPS]
    if not subjects and query.mentions_interfaces and not query.which_link:
        subjects = [i for i in query.mentions_interfaces if table.by_subject(i)]
        if subjects and not (query.platform and re.search(r"\b(?:have|has|got)\b", query.text.lower())):
            # "can I use the mgmt interface as an HA port?" is about the interface;
            # "does pa-5450 have hsci?" is about the platform.
            groups = [g for g in groups if g != "dedicated-ha-ports"]
        elif subjects:
            subjects = []
    # A follow-up ("and on a PA-5450?") borrows the thread's subject; a message with
    # nothing of HA in it ("thanks!") borrows nothing.
    if context and not (
        query.subjects or query.attributes or query.platform or query.numbers or query.hexes or query.topic
    ):
        context = None
    if not subjects and context and not query.numbers:
        subjects = list(context.subjects)
    platform_names: list[str] = []
    note = None
    if query.platform:
        platform_names = table.resolve(query.platform)
        if not platform_names:
            return RuleResult(
                facts=[],
                text="",
                abstain_reason=(
                    f"The documents do not mention {query.platform}. "
                    f"Platforms they cover: {', '.join(lexicon.shown_names(table.families()))}."
                ),
                looked_for=query.platform,
            )
        if query.platform not in platform_names:
            said = query.platform_said or query.platform
            note = f"{said} is covered by the documents as {' / '.join(lexicon.shown_names(platform_names, query.platform))}."
    elif context and context.platform and not query.subjects:
        platform_names = table.resolve(context.platform)

    setting = _setting_answer(query, table)
    if setting is not None:
        setting.looked_for = " ".join(setting.facts[0].subject for _ in (0,)) if setting.facts else ""
        return setting

    if (
        (set(query.numbers) - set(query.quantities) or query.hexes)
        and not subjects
        and not platform_names
        and _is_reverse(query)
    ):
        result = _reverse(query, table)
        if (
            result.facts
            and query.topic
            and _specific(query.topic, table, vocab)
            and not _best_by_topic(result.facts, query.topic, table)
        ):
            # "does panorama ha use port 28769?": the port is documented, but not for
            # what is asked about; the passages get their turn.
            return None
        return result

    if not groups and context and not query.attributes:
        groups = [a for a in context.attributes if a in GROUPS]
    looked_for = " ".join(
        filter(None, [", ".join(subjects), query.platform or "", "/".join(groups[:2]), " ".join(query.topic)])
    )

    def done(result: RuleResult) -> RuleResult:
        result.note, result.looked_for, result.platform_names = note, looked_for, platform_names
        if note:
            # The note names the family: cite where the documents name it too.
            result.support = [f for f in table.about_platforms(platform_names) if f.attribute == "constraint"][:1]
        return result

    topic = query.topic
    foreign = [w for w in topic if vocab is not None and vocab.foreign(w)]
    # One unknown alternative the asker offers ("ssl or ssh?") does not make the
    # question about something the documents lack; anything else does.
    foreign = [
        w for w in foreign if not re.search(rf"\b{re.escape(w)}\s+or\b|\bor\s+{re.escape(w)}\b", query.norm or "")
    ]
    if foreign:
        # A word the documents never use ("dscp") is what the question is about:
        # no fact answers it; the passage search will say so.
        return None
    if query.which_link and not query.subjects:
        facts = _best_by_topic(
            [f for f in table.facts if f.subject in lexicon.LINKS], topic + _group_words(groups), table
        )
        if facts:
            return done(render(query, facts, "which-link", platform_names, table))
        return None

    if not subjects and not platform_names:
        port_groups = [g for g in groups if g in ("port", "protocol")]
        if port_groups and topic and _known_topic(topic, table):
            # "corosync ports?": the ports whose description names the topic.
            pool = [f for f in table.facts if f.attribute in GROUPS[port_groups[0]]]
            facts = _best_by_topic(pool, topic, table)
            return done(render(query, facts, port_groups[0], platform_names, table)) if facts else None
        if not groups or groups[0] not in ("port", "protocol"):
            return None
        # "which ports do I open between the peers?": every link's ports.
        subjects = [s for s in lexicon.LINKS if table.by_subject(s)]

    explicit = bool(groups)
    if subjects and not groups:
        if platform_names:
            # "ha3 on PA-800?": what the documents say of this link on this platform.
            scoped = [f for s in subjects for f in table.by_subject(s) if set(f.platforms) & set(platform_names)]
            if scoped and not topic:
                return done(render(query, scoped, scoped[0].attribute, platform_names, table))
        groups = ["purpose"]

    if platform_names and "interface" in groups:
        # "pa-220r ha1 backup which port": on a named platform, "port" is the
        # physical interface the documents prescribe, when they prescribe one.
        groups = ["interface"] + [g for g in groups if g != "interface"]
    if "port" in groups and "encryption" in groups and re.search(r"\bports?\b", query.text.lower()):
        # "ha1 ports for cleartext vs encrypted?": the ports, with their qualifiers.
        groups = ["port"] + [g for g in groups if g != "port"]

    candidates: list[tuple[str, list[Fact]]] = []
    for group in groups:
        facts = _facts_for(table, subjects, GROUPS[group], query, platform_names, group)
        if platform_names and (group == "dedicated-ha-ports" or not subjects):
            facts = [f for f in table.about_platforms(platform_names) if f.attribute in GROUPS[group]]
        if query.asks_quantity:
            # "how many can I add?": a quantity is asked, and facts that state none (what a
            # platform "can use") do not answer it, whatever modal the asker wrote.
            facts = _quantities(facts)
        if facts:
            candidates.append((group, facts))
    chosen: tuple[str, list[Fact]] | None = None
    if candidates and not topic:
        chosen = candidates[0]
    elif candidates:
        if _known_topic(topic, table):
            # The first group asked is the answer if its facts speak of the topic; a
            # later group must speak of all of it to take over.
            for i, (group, facts) in enumerate(candidates):
                matched = _best_by_topic(facts, topic, table, minimum=0.0 if i == 0 else 0.99)
                if matched:
                    # What the documents say for the platform asked about stays in view.
                    matched += [f for f in facts if set(f.platforms) & set(platform_names) and f not in matched]
                    chosen = (group, matched)
                    break
        if chosen is None and explicit and not _specific(topic, table, vocab):
            # Only common words went unmatched ("ip mode"): the group asked for stands.
            chosen = candidates[0]
    if chosen is not None:
        group, facts = chosen
        result = render(query, facts, group, platform_names, table)
        if group in ("port", "protocol") and query.numbers:
            # "ha1 is on tcp 28769 - and 28260, 28770?": say what the others are.
            shown = {f.value for f in facts}
            extra = [n for n in query.numbers if n not in shown]
            if extra:
                rev = _reverse(Query(text=" ".join(extra), original=query.original, numbers=extra), table)
                if rev.facts:
                    result.facts = facts + rev.facts
                    result.text = f"{result.text} {rev.text}"
        return done(result)

    # No attribute group answered: a fact of the subject or platform that
    # speaks of the topic ("aux ports on a pa-5260 for ha1?" -> the AUX-1/AUX-2 sentence).
    if topic:
        pool = [f for s in subjects for f in table.by_subject(s)]
        if platform_names:
            # As for the groups (_facts_for): what is said of other platforms only ("the
            # HSCI-A and HSCI-B interfaces do not support encryption" on a PA-7500) does
            # not answer for this one.
            pool = [f for f in pool if not f.platforms or set(f.platforms) & set(platform_names)]
            pool += table.about_platforms(platform_names)
        minimum = 0.66
        if query.asks_quantity and _quantities(pool):
            # The numbers documented for the link or model asked are few: of them, the one
            # that speaks of the topic at all answers "how many ... can I add?".
            pool, minimum = _quantities(pool), 0.5
        facts = _best_by_topic(pool, topic, table, minimum=minimum)
        if facts:
            return done(
                render(
                    query,
                    facts,
                    "constraint" if facts[0].attribute == "constraint" else facts[0].attribute,
                    platform_names,
                    table,
                )
            )
        if _known_topic(topic, table):
            return None
    if platform_names and not subjects:
        facts = [f for f in table.about_platforms(platform_names) if f.attribute == "constraint"]
        if facts and not topic:
            result = render(query, facts, "constraint", platform_names, table)
            result.polarity = None
            result.confidence = 0.6
            return done(result)
    return done(RuleResult(facts=[], text=""))


def _quantities(facts: list[Fact]) -> list[Fact]:
    """The facts whose value states a number: what answers a question that asks how many."""
    return [f for f in facts if numbers_in(f.value)]


_ASKS_SETTING = re.compile(
    r"\b(?:range|default|max|maximum|min|minimum|value|how long|how many|timer|interval|time|threshold)\b"
)


def _setting_answer(query: Query, table: FactTable) -> RuleResult | None:
    """ "hello interval range allowed?": a documented setting's range and default.

    A setting is named by all the words of its name; the longest name wins, so
    "monitor hold time" is not "monitor fail hold down time"."""
    if not table.settings:
        return None
    low = query.norm or lexicon.normalise(query.text)
    longest, names = table.settings_named(low)
    if not names:
        return None
    if not _ASKS_SETTING.search(low):
        return None  # "members with a different cluster id?" names a setting, asks no value
    if longest < 2 and query.subjects:
        return None  # "ha4" alone is the link, not a setting named "HA4 ..."
    wanted = [a for a in ("range", "default") if a in low] or ["range", "default"]
    facts = [f for name in names for f in table.by_subject(name) if f.attribute in wanted]
    if not facts:
        return None
    result = render(query, facts, "setting", [], table)
    result.confidence = 0.9
    return result


def _group_words(groups: list[str]) -> list[str]:
    """For 'which link ...' questions the attribute words are the topic too."""
    words = {"requires": ["require"], "purpose": [], "ethertype": ["ether"], "layer": ["layer"]}
    return [w for g in groups[:1] for w in words.get(g, [])]


def _best_by_topic(facts: list[Fact], topic: list[str], table: FactTable, minimum: float = 0.0) -> list[Fact]:
    """The facts that mention most of the topic words (all ties), or []."""
    if not topic or not facts:
        return []
    wanted = [table.says(w) for w in topic]
    scored: list[tuple[float, Fact]] = []
    for f in facts:
        tokens = fact_stems(f)
        hits = sum(1 for w in wanted if w & tokens)
        if hits:
            scored.append((hits / len(wanted), f))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    if best < max(minimum, 0.5):
        return []  # one word in five is a coincidence, not an answer
    return [f for score, f in scored if score == best]


def _specific(topic: list[str], table: FactTable, vocab: Vocabulary | None) -> bool:
    """Whether a topic word is rare in the documents (few passages use it): such a
    word is what the question is about, and facts that miss it do not answer it."""
    if vocab is None:
        return True
    threshold = vocab.max_idf * 0.5
    return any(vocab.weight(w) >= threshold for w in topic if w in vocab)


def _known_topic(topic: list[str], table: FactTable) -> bool:
    """Some fact speaks of a topic word: facts that do not are answering something else.
    A word no fact uses is chat noise ('actually') or passage matter, and is ignored."""
    return any(table.mentions(w) for w in topic)


def _is_reverse(query: Query) -> bool:
    return not any(a in query.attributes for a in ("requires", "message-size"))


def _reverse(query: Query, table: FactTable) -> RuleResult:
    values = query.hexes + [n for n in query.numbers if n not in query.quantities]
    # A value stated alone ("TCP 28769"), else within a list or range ("UDP 5404–5406").
    held = {
        v: [f for f in (table.by_value(v) or table.holding_number(v)) if f.attribute in REVERSE_ATTRIBUTES]
        for v in values
    }
    facts = [f for v in values for f in held[v]]
    looked = ", ".join(values)
    if not facts:
        return RuleResult(
            facts=[],
            text="",
            abstain_reason=f"No document names {looked} as a port, protocol number or ether type.",
            looked_for=looked,
        )
    lines = []
    for value in values:
        users = held[value]
        if not users:
            lines.append(f"{value}: not found in the documents.")
            continue
        by_subject: OrderedDict[str, list[Fact]] = OrderedDict()
        for f in users:
            by_subject.setdefault(f.subject, []).append(f)
        parts = []
        for subject, fs in by_subject.items():
            f = fs[0]
            detail = ", ".join(filter(None, [f.protocol if f.protocol != "IP" else None, f.qualifier]))
            parts.append(f"{subject} ({label(f.attribute)}{'; ' + detail if detail else ''})")
        quote = users[0].quote
        lines.append(f'{value} is used by {", ".join(parts)}: "{quote}"')
    return RuleResult(facts=facts, text=" ".join(lines), confidence=0.95, looked_for=looked)


def _facts_for(
    table: FactTable,
    subjects: list[str],
    attributes: tuple[str, ...],
    query: Query,
    platform_names: list[str],
    group: str,
) -> list[Fact]:
    facts = [f for s in subjects for f in table.by_subject(s) if f.attribute in attributes]
    if group == "spans-subnets" and not facts:
        # Spanning subnets is routing, which needs Layer 3: a link documented as not
        # supporting Layer 3 addressing answers "can it be routed?" with no.
        facts = [
            f
            for s in subjects
            for f in table.by_subject(s)
            if f.attribute == "not-supported" and re.search(r"\blayer\s*3\b", f.value, re.I)
        ]
    if group == "encryption":
        facts = [f for f in facts if "encrypt" in (f.value + " " + (f.qualifier or "")).lower()]
    if group == "port" and "encryption" in query.attributes and "clear" not in query.text.lower():
        # "which port is used for encrypted HA1?": the encrypted ones.
        facts = [f for f in facts if "encrypt" in f"{f.qualifier} {f.value}".lower()] or facts
    if group in ("port", "protocol"):
        asked = [p for p in ("tcp", "udp", "icmp", "ssh") if re.search(rf"\b{p}\b", query.text.lower())]
        if asked and not query.yes_no:
            narrowed = [f for f in facts if any(p in (f"{f.protocol} {f.value}").lower() for p in asked)]
            # "ssh port for ha1": the ports that share the SSH fact's qualifier ("encrypted").
            quals = {f.qualifier for f in narrowed if f.attribute == "protocol" and f.qualifier}
            narrowed += [f for f in facts if f.attribute == "port" and f.qualifier in quals and f not in narrowed]
            facts = narrowed or facts
    if platform_names:
        # A fact scoped to other platforms does not answer for this one (but is
        # kept for can-use so the answer can say which platforms it is listed for).
        facts = [
            f
            for f in facts
            if not f.platforms
            or set(f.platforms) & set(platform_names)
            or (group == "can-use" and f.attribute == "can-use")
        ]
    return facts


SUPPORT_GROUPS = ("can-use", "dedicated-ha-ports", "encryption", "not-supported")


def render(query: Query, facts: list[Fact], group: str, platform_names: list[str], table: FactTable) -> RuleResult:
    """The answer line for facts (the rules' picks or the ranker's), with a verdict for yes/no."""
    if not platform_names:
        # General facts before platform-specific exceptions (stable otherwise).
        facts = sorted(facts, key=lambda f: (f.attribute not in GROUPS.get(group, (group,))[:1], bool(f.platforms)))
    yes_no = (
        query.yes_no
        or TERSE_OK.search(query.text.lower()) is not None
        or (
            group in SUPPORT_GROUPS
            and not query.has_wh
            and bool(platform_names or query.topic)
            and not re.search(r"\b(?:vs|versus|or)\b", query.text.lower())
            # "max hsci cable length?" asks a value, not whether HSCI is supported.
            and not _ASKS_SETTING.search(query.text.lower())
        )
    )
    polarity = _polarity(query, facts, group, platform_names, table) if yes_no else None
    if yes_no and polarity is not False and _contradicts(query, facts):
        polarity = False
    lines: list[str] = []
    by_key: OrderedDict[tuple[str, str], list[Fact]] = OrderedDict()
    for f in facts:
        by_key.setdefault((f.subject, f.attribute), []).append(f)
    for (subject, attribute), fs in by_key.items():
        lines.append(_line(subject, attribute, _most_specific(query, fs), platform_names))
    text = " ".join(dict.fromkeys(lines))
    if polarity is not None:
        # Yes or no first, then why: the sentence that decides it, quoted.
        deciding = facts[0]
        if polarity is True and platform_names:
            applicable = [f for f in facts if not f.platforms or set(f.platforms) & set(platform_names)]
            deciding = applicable[0] if applicable else deciding
        if polarity is False:
            negative = [
                f
                for f in facts
                if f.attribute in ("not-supported", "not-required") or f.value.lower().startswith("without")
            ]
            deciding = negative[0] if negative else deciding
        text = f'{"Yes" if polarity else "No"}. {text} Source: "{deciding.quote}"'
    elif (
        group in ("dedicated-ha-ports", "requires", "recommended", "interface", "can-use", "not-supported")
        and len({f.quote for f in facts}) == 1
    ):
        # One sentence says it all: show it, it carries the why.
        text = f'{text} Source: "{facts[0].quote}"'
    confidence = 0.92
    if group == "can-use" and platform_names and polarity is False:
        confidence = 0.75
    if group in ("constraint", "which-link"):
        confidence = 0.7
    return RuleResult(facts=facts, text=text, polarity=polarity, confidence=confidence)


def _line(subject: str, attribute: str, facts: list[Fact], platform_names: list[str]) -> str:
    name = label(attribute)
    # The flag was set over the whole build (another product's value counts there); what
    # is shown differs only if two of these facts say different things ("200" and "200ms"
    # say the same).
    conflict = any(f.conflict for f in facts) and any(
        not same_value(a.value, b.value, a.qualifier, b.qualifier) for i, a in enumerate(facts) for b in facts[i + 1 :]
    )
    if conflict:
        by_value: OrderedDict[str, OrderedDict[str, list[str]]] = OrderedDict()
        shown: list[Fact] = []
        for f in facts:
            same = next((g for g in shown if same_value(g.value, f.value, g.qualifier, f.qualifier)), None)
            if same is None:
                shown.append(f)
            titles = by_value.setdefault((same or f).value, OrderedDict())
            platforms = titles.setdefault(_source(f, facts), [])
            platforms.extend(p for p in f.platforms if p not in platforms)
        parts = [
            f"{v} ({'; '.join(t + (', on ' + ', '.join(ps) if ps else '') for t, ps in titles.items())})"
            for v, titles in by_value.items()
        ]
        return f"{subject} {name}: documents differ: {' and '.join(parts)}."
    lone = _lone_claims(facts) if attribute in ("port", "ip-protocol") else []
    if lone:
        # A page whose values no other page shares, beside pages that agree among
        # themselves, contradicts them: shown apart with its source, never merged in.
        rest = [f for f in facts if f not in lone]
        groups = [rest] + [[f for f in lone if f.doc_id == d] for d in dict.fromkeys(f.doc_id for f in lone)]
        parts = [
            f"{'; '.join(_distinct_values(g, attribute))} ({'; '.join(dict.fromkeys(f.title for f in g))})"
            for g in groups
            if g
        ]
        return f"{subject} {name}: documents differ: {' and '.join(parts)}."
    values = _distinct_values(facts, attribute)
    if attribute == "constraint":
        return " ".join(dict.fromkeys(values))
    return f"{subject} {name}: {'; '.join(values)}."


_EVERYDAY_ZIPF = 5.0  # a word this frequent in English names no product, platform or page


def _source(fact: Fact, facts: list[Fact]) -> str:
    """How a disagreeing value names where it is from: its page's title, and, when another
    value comes from a page of the same title, what tells the two apart: the PAN-OS
    versions the page holds for (the 10.1 and 11.1 pages of one topic), else the heading
    the value sits under ("Strata Cloud Manager")."""
    twins = [
        g for g in facts if g.title == fact.title and not same_value(g.value, fact.value, g.qualifier, fact.qualifier)
    ]
    if not twins:
        return fact.title

    def version(f: Fact) -> str:
        return (f.scope.version_label if f.scope else "") or f.version or ""

    def heading(f: Fact) -> str:
        return f.section.split(" > ")[-1]

    for part in (version, heading):
        mine = part(fact)
        if mine and all(part(g) != mine for g in twins):
            return f"{fact.title}, {mine}"
    return fact.title


def _most_specific(query: Query, facts: list[Fact]) -> list[Fact]:
    """Of facts that disagree, the ones about what the question names: "key server priority
    range in Strata Cloud Manager" is answered by the row under that heading, not also by
    the web interface's. A fact whose headings hold a strict subset of the question words
    another's headings hold is less about the question; facts whose headings match it
    equally stay, and still show that documents differ. Headings, not sentences: a word
    a sentence happens to use ("hsci-a") does not make it the one asked about."""
    if not any(f.conflict for f in facts) or all(
        same_value(f.value, facts[0].value, f.qualifier, facts[0].qualifier) for f in facts
    ):
        return facts
    # The link and the attribute are what every one of them is about, and everyday words
    # ("use", "different") are in any heading: neither tells one apart.
    distinctive = " ".join(w for w in tx.tokens(query.text) if english_zipf(w) < _EVERYDAY_ZIPF)
    asked = tx.stems_of(distinctive) - tx.stems_of(f"{facts[0].subject} {label(facts[0].attribute)}")
    covered = [asked & tx.stems_of(f.section) for f in facts]
    return [f for f, mine in zip(facts, covered, strict=True) if not any(mine < other for other in covered)]


def _lone_claims(facts: list[Fact]) -> list[Fact]:
    """The general facts of a page none of whose values another page states, when other
    pages state this key too: "HA1 port: 31337" on one page beside pages that agree on
    28769, 28260 and 28. Pages of one URL (a page's versions) count as one page."""
    by_page: OrderedDict[str, list[Fact]] = OrderedDict()
    for f in facts:
        if not f.platforms:
            by_page.setdefault(f.url or f.doc_id, []).append(f)
    if len(by_page) < 2:
        return []
    values = {page: {norm_value(f.value) for f in fs} for page, fs in by_page.items()}
    out: list[Fact] = []
    for page, fs in by_page.items():
        others = set().union(*(v for p, v in values.items() if p != page))
        if not values[page] & others:
            out.extend(fs)
    # Every page disagreeing with every other is no claim against a consensus.
    return out if len(out) < sum(len(fs) for fs in by_page.values()) or len(by_page) == 2 else []


def _distinct_values(facts: list[Fact], attribute: str) -> list[str]:
    if attribute in ("port", "ip-protocol"):
        # One entry per value: the protocol and qualifier any source gives it.
        info: OrderedDict[str, list[str | None]] = OrderedDict()
        for f in facts:
            proto, qual = info.setdefault(f.value, [None, None])
            info[f.value] = [proto or f.protocol, qual or f.qualifier]
        groups: OrderedDict[tuple[str | None, str | None], list[str]] = OrderedDict()
        for value, (proto, qual) in info.items():
            groups.setdefault((proto if attribute == "port" else None, qual), []).append(value)
        return [
            f"{proto + ' ' if proto else ''}{', '.join(vals)}" + (f" ({qual})" if qual else "")
            for (proto, qual), vals in groups.items()
        ]
    out: list[str] = []
    if attribute == "range":
        # "1-63" and "1 to 63" are one range, written two ways.
        seen_ranges: dict[str, Fact] = {}
        for f in facts:
            seen_ranges.setdefault(re.sub(r"\s*(?:-|\u2013|\bto\b)\s*", " to ", norm_value(f.value)), f)
        facts = list(seen_ranges.values())
    kept: list[Fact] = []
    for f in facts:
        if attribute != "constraint" and any(
            g.platforms == f.platforms and same_value(g.value, f.value, g.qualifier, f.qualifier) for g in kept
        ):
            continue  # "200" and "200ms": one value, written two ways
        v = f.value + (f" ({f.qualifier})" if f.qualifier and attribute not in ("constraint",) else "")
        if f.platforms and attribute != "constraint":
            v += f" (on {', '.join(f.platforms)})"
        if norm_value(v) not in {norm_value(o) for o in out}:
            out.append(v)
            kept.append(f)
    return out


TERSE_OK = re.compile(r"\b(?:ok|okay|fine|allowed|possible|supported)\s*\??\s*$")
# Words whose opposite in the deciding sentence turns the answer to no:
# "members with a different cluster id?" against "members having the same cluster ID".
_OPPOSITES = {
    "active/active": ("active/passive",),
    "active/passive": ("active/active",),
    "same": ("different", "separate"),
    "different": ("same",),
    "separate": ("same",),
    "enabled": ("disabled",),
    "disabled": ("enabled",),
}


def _contradicts(query: Query, facts: list[Fact]) -> bool:
    return any(contradicts(query.text, f.quote) for f in facts)


def contradicts(question: str, sentence: str) -> bool:
    """The question says "same" where the sentence says "different" (or the like)."""
    asked = set(re.findall(r"[a-z]+(?:/[a-z]+)?", question.lower()))
    said = set(re.findall(r"[a-z]+(?:/[a-z]+)?", sentence.lower()))
    return any(
        word in asked and word not in said and any(o in said for o in opposites)
        for word, opposites in _OPPOSITES.items()
    )


_NEGATED = re.compile(r"\b(?:no|not|without|never|didn't|haven't|don't)\b|n't\b", re.I)
_NEGATIVE = re.compile(
    r"\b(?:not|cannot|can't|don't|doesn't|isn't|aren't|never|no|without|unsupported)\b|n\u2019t\b", re.I
)


def _polarity(
    query: Query, facts: list[Fact], group: str, platform_names: list[str], table: FactTable | None = None
) -> bool | None:
    low = query.text.lower()
    if group == "requires" and any(f.attribute == "not-required" for f in facts) and _NEGATED.search(low):
        # "no permitted ip list configured, do i still need to add the peer ip?" meets
        # "If you didn't configure a Permitted IP list, you don't need to add ...".
        return False
    if group == "can-use" and platform_names and table is not None:
        # "can a PA-800 use HSCI for HA3?": a port the platform does not have is no.
        ports = [f for f in table.about_platforms(platform_names) if f.attribute == "dedicated-ha-ports"]
        asked = [i for i in query.mentions_interfaces if i != "MGT"]
        if ports and asked and not any(i.lower() in f.value.lower() for i in asked for f in ports):
            return False
    if not platform_names and facts and all(f.platforms for f in facts):
        return None  # only platform-specific statements: no general yes or no
    if not platform_names and any(not f.platforms for f in facts):
        # Asked in general: platform-specific exceptions do not decide the answer.
        facts = [f for f in facts if not f.platforms]
    says = {w: table.says(w) if table is not None else frozenset({stem(w)}) for w in query.topic}
    # One sentence must say every word asked: "active" in one fact's quote and "arp table"
    # in another's is no sentence saying the ARP table is synced in active/active.
    covered = any(all(says[w] & fact_stems(f) for w in query.topic) for f in facts)
    attrs = {f.attribute for f in facts}
    if attrs == {"not-supported"}:
        return False
    if group == "can-use":
        usable = [f for f in facts if f.attribute == "can-use"]
        if query.topic:
            # Only what is asked about decides: an aggregate fact says nothing of HSCI.
            on_topic = [f for f in usable if all(says[w] & fact_stems(f) for w in query.topic)]
            usable = on_topic or usable
        if not usable:
            return False if any(not f.platforms or set(f.platforms) & set(platform_names) for f in facts) else None
        if not platform_names:
            return True
        # Listed for this platform, or said with no platform at all ("on the
        # remaining platforms, you can configure aggregate interfaces"): yes.
        return any(not f.platforms or set(f.platforms) & set(platform_names) for f in usable)
    if group == "encryption":
        return "not-supported" not in attrs
    if group == "dedicated-ha-ports":
        if all(f.value.lower().startswith("without") for f in facts):
            return False
        asked = [i for i in query.mentions_interfaces if i != "MGT"]
        if asked:  # "does pa-5450 have hsci?": is it among the dedicated ports?
            return any(i.lower() in f.value.lower() for i in asked for f in facts)
        return True
    if group == "constraint":
        # A documented sentence on the point: its own negation decides.
        return not _NEGATIVE.search(facts[0].quote)
    if group == "layer":
        m = re.search(
            r"layer\s*([1-7])", lexicon.normalise(query.text).replace("l2", "layer 2").replace("l3", "layer 3")
        )
        if m:
            return any(f.value.lower() == f"layer {m.group(1)}" for f in facts)
    if group in ("port", "protocol"):
        if query.numbers:
            return any(f.value in query.numbers for f in facts)
        protos = [p for p in ("tcp", "udp", "icmp", "ssh") if re.search(rf"\b{p}\b", low)]
        if protos:
            return any(any(p in f"{f.protocol} {f.value}".lower() for p in protos) for f in facts)
    if group == "ethertype" and query.hexes:
        return any(norm_value(f.value) in query.hexes for f in facts)
    flow = re.search(r"\bfrom (?:the )?([a-z/-]+)\b.*?\bto (?:the )?([a-z/-]+)", low)
    if group == "direction" and flow:
        # "does ha2 data go from active to passive?" against "from the active ... to the passive ..."
        src, dst = flow.groups()
        for f in facts:
            v = f.value.lower()
            if v.startswith("from ") and " to " in v:
                head, _, tail = v.partition(" to ")
                if src in head and dst in tail:
                    return True
                if dst in head and src in tail:
                    return False
    if group == "direction" and "bidirectional" in low:
        return not any(f.value.lower() == "unidirectional" for f in facts)
    if group == "direction" and "unidirectional" in low:
        return any(f.value.lower() == "unidirectional" for f in facts)
    if group in ("requires", "recommended", "spans-subnets"):
        # "does active/passive need ha3?" is not answered yes by "active/active requires HA3".
        return True if covered else None
    if group == "purpose" and query.topic and covered:
        return True  # every word of the question is in the facts
    return None
