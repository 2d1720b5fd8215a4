"""Chat text -> what is being asked: subjects, attributes, platform, values.

Support engineers type fast: lower case, typos, abbreviations, Slack markup,
several questions in one message. This module turns that into `Query` objects
the rules engine can look up. It knows words, never answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hakb.attributes import UNIT
from hakb.ingest import lexicon
from hakb.service.ranking.text import english_zipf
from hakb.service.scope import QuestionScope

# Snaps a word the documents never use to one they do ("windw" -> "window"), or returns it.
Repair = Callable[[str], str]

# Words people shorten or mistype in chat -> the word the documents use.
_ABBREVIATIONS = {
    r"\bw/o\b": "without",  # before "w/": the negation must survive ("port w/o encryption")
    r"\bw/(?=\s|$)": "with",
    r"\bhb\b": "heartbeat",
    r"\bka\b": "keep-alive",
    r"\bkeep ?alives?\b": "keep-alive",
    r"\bmgmt\b": "management",
    r"\bmsgs?\b": "messages",
    r"\bclear-?text\b": "clear text",
    r"\bmgt\b": "management",
    r"\ba/p\b": "active/passive",
    r"\ba/a\b": "active/active",
    r"\bactive[\s-]passive\b": "active/passive",
    r"\bactive[\s-]active\b": "active/active",
    r"\be-?type\b": "ether type",
    r"\bethertype\b": "ether type",
    r"\bether-type\b": "ether type",
    r"\baes?\b": "aggregate",
    r"\bagg\b": "aggregate",
    r"\bl([1-7])\b": r"layer \1",
    r"\blayer([1-7])\b": r"layer \1",
    r"\bproto\b": "protocol",
    r"\benc\b": "encryption",
    r"\bencrypted\b": "encryption",
    r"\bencrypt\b": "encryption",
    r"\bbkup\b": "backup",
    r"\bsync(?:'?s|ed|ing|d)?\b": "synchronize",
    r"\bfw\b": "firewall",
    r"\bpkt\b": "packet",
    r"\bfwd\b": "forwarding",
    r"\bdirectionality\b": "direction",
    r"\buni-?directional\b": "unidirectional",
    r"\bbi-?directional\b": "bidirectional",
    r"\bboth ways\b|\btwo[- ]ways?\b|\bboth directions\b": "bidirectional",
    r"\bv6\b": "ipv6",
    r"\bv4\b": "ipv4",
    r"\bencap\b": "encapsulation",
}


def _short_forms() -> dict[str, frozenset[str]]:
    """word -> the short forms chat writes it with that are one plain word ("synchronize":
    "sync"; "management": "mgmt", "mgt"), read from the table above."""
    out: dict[str, set[str]] = {}
    for pattern, repl in _ABBREVIATIONS.items():
        plain = re.fullmatch(r"\\b([a-z]+)(?:\(\?:[^()]*\)\?|s\?)?\\b", pattern)
        if plain and repl.isalpha():
            out.setdefault(repl, set()).add(plain.group(1))
    return {word: frozenset(forms) for word, forms in out.items()}


_SHORT_FORMS = _short_forms()


def short_forms(word: str) -> frozenset[str]:
    """The plain short forms of a word ("sync" of "synchronize"): the documents write some of
    them too ("Information Synced?", "the MGT port"), and there they say the word."""
    return _SHORT_FORMS.get(word, frozenset())


# Vocabulary that typo correction may snap a word to (length >= 5 words only).

# Question words -> the attributes that answer them. Checked in order; all that
# match are kept.
_ATTRIBUTE_CUES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    # Most specific first: the engine answers from the first group that has facts.
    (re.compile(r"\bether ?type\b|\b0x[0-9a-f]+\b"), ("ethertype",)),
    (re.compile(r"\bencapsulat|\bmac-in-mac\b"), ("encapsulation",)),
    (
        re.compile(
            r"\bdedicated\b.*\b(?:ports?|interfaces?)\b|\bdedicated ha\b|\bha (?:ports?|interfaces?)\b|\b(?:have|has|got)\b.*\b(?:hsci|ha1-[ab]|aux)\b"
        ),
        ("dedicated-ha-ports",),
    ),
    (re.compile(r"\bencryption\b"), ("encryption",)),
    (re.compile(r"\bjumbo\b|\bmtu\b|\bframe size\b|\b1,?500\b|\bbytes\b|\bsize\b"), ("requires", "message-size")),
    (
        re.compile(
            r"\bunidirectional\b|\bbidirectional\b|\bdirection\b|\bwhich way\b|\bflows?\b|\bone[- ]way\b|\bback to the\b|\bfrom (?:the )?(?:passive|active)\b"
        ),
        ("direction",),
    ),
    (re.compile(r"\bkeep-alive\b"), ("keepalive", "direction")),
    (
        re.compile(r"\bspan\b|\bsubnets?\b|\bacross (?:a )?(?:router|l3)\b|\bcross\b|\brouters?\b|\brout(?:able|ed)\b"),
        ("spans-subnets", "transport"),
    ),
    (re.compile(r"\blayer\b|\brout(?:able|ed)\b"), ("layer",)),
    (
        re.compile(
            r"\bsupport|\bcan (?:i|we|you|it)\b|\ballowed\b|\bpossible\b|\baggregate\b|\bhsci\b|\bipv6\b|\bipv4\b|\bbackup links?\b.*\bha3\b|\bha3\b.*\bbackup\b"
        ),
        ("can-use", "not-supported"),
    ),
    (re.compile(r"\bprotocol\b|\btransport\b|\bicmp\b|\bssh\b"), ("protocol", "transport", "port", "ip-protocol")),
    (
        re.compile(r"\bwhat (?:do|should|can) (?:i|we) use\b|\bwhich (?:port|interface) (?:do|should|can)\b"),
        ("interface",),
    ),
    (re.compile(r"\bports?\b|\btcp\b|\budp\b|\bfirewall rules?\b|\ballow\b|\bopen\b|\bacl\b"), ("port", "ip-protocol")),
    (re.compile(r"\brecommend|\bbest practice|\bshould\b"), ("recommended", "interface")),
    (
        re.compile(
            r"\binterface\b|\bmanagement\b|\bdataplane\b|\bwhat (?:do|should|can) (?:i|we) use\b|\bwhich port\b"
        ),
        ("interface",),
    ),
    (
        # "what is X for (in a/p)?" asks a purpose: its "for" is stranded, at the clause's end
        # or before another prepositional phrase. "what is the X value for the data link?"
        # does not: there "for" takes an object.
        re.compile(
            r"\bsynchroni[sz]|\bwhat (?:does|do) .* (?:carry|do|send|sync)\b|\bpurpose\b|\bused for\b|\bwhat(?:'s| is) .* for\b(?=\s*(?:[?.!,;:)]|$)|\s+(?:in|on|at|with|when|if|during|between)\b)|\bcarr(?:y|ies)\b|\bexchange|\bfor\?*$"
        ),
        ("purpose", "synchronizes"),
    ),
    (re.compile(r"\brequire|\bneed|\bmust\b|\bprereq|\bnecessary\b|\bmandatory\b"), ("requires", "required-in")),
]

# The auxiliary opens the question, or its clause, or follows a short lead-in that sets
# where it holds ("in a/a does the passive peer ...?", "on a pa-3410 can ha2 ...?"); a
# wh-word is no lead-in ("with what is ha1 encrypted?").
_YES_NO = re.compile(
    r"(?:^(?:(?:in|on|for|with|under)\s+(?:an?\s+|the\s+)?"
    r"(?!(?:what|which|who|whom|whose|how|when|where|why)\b)[\w/.-]+(?:\s+mode)?,?\s+)?|[-:,;]\s+)"
    r"(?:can|could|does|do|did|is|are|should|must|will|would|has|have|may)\b"
)
# Terse chat ("pa-3220 ha1 backup ipv6?", "pa-820 an ae for ha3 ok?") is a
# yes/no question too when it asks about support and has no wh-word.
_TERSE_YES_NO = re.compile(r"\bcan (?:i|we|you|it)\b|\bsupport|\ballowed\b|\bpossible\b|\bok to\b")
_WH = re.compile(r"\b(?:what|which|how|where|when|why|who)\b")
_HOW_MUCH = re.compile(r"\bhow (?:many|much|long|far|often|big|large|fast)\b")
# A number of its own: not part of a name ("ha-28"), nor of a dotted one (an IP address
# "10.1.1.100", a release "10.2"): their parts are no port or ID.
_NUMBER = re.compile(r"(?<![\w.-])(\d{2,5})(?![\w-]|\.\d)")
_QUANTITY = re.compile(rf"\s*{UNIT}", re.I)
_HEX = re.compile(r"\b0x[0-9a-f]{2,4}\b")
_UNKNOWN_LINK = re.compile(r"\bha[\s-]?([05-9]|\d{2,})\b")


@dataclass
class Query:
    text: str  # the cleaned sub-question
    original: str
    norm: str = ""  # lower-cased, abbreviations expanded, typos repaired
    spelled: str = ""  # lower-cased, typos repaired, written as asked otherwise: what passages are searched with
    subjects: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    platform: str | None = None  # canonical model as asked ("PA-3260")
    # How the asker wrote it when that is not the model's name ("3410" for PA-3410): what
    # an answer repeats, so that it says nothing the asker or a document did not.
    platform_said: str | None = None
    numbers: list[str] = field(default_factory=list)  # ports / ids asked about
    quantities: list[str] = field(default_factory=list)  # of those, the ones with a unit ("80%", "1000 ms")
    hexes: list[str] = field(default_factory=list)
    yes_no: bool = False
    unknown_links: list[str] = field(default_factory=list)  # "HA5": no such link
    mentions_interfaces: list[str] = field(default_factory=list)
    has_wh: bool = False
    asks_quantity: bool = False  # "how many", "how long": a quantity, not a way of doing something
    which_link: bool = False  # "which link needs an IP address?": find the subject
    topic: list[str] = field(default_factory=list)  # words beyond subject and attribute
    # The product, deployment and version asked (named in the message or set by the
    # caller); None: none, answer for what the documents mostly are about.
    scope: QuestionScope | None = None
    # A product the question names that no page is about ("VM-Series"): its sentences on
    # the main product's pages answer first.
    prefer: str | None = None


def clean_chat(text: str) -> str:
    """Remove Slack markup: mentions, links, emphasis, code ticks, emoji codes."""
    text = re.sub(r"<[@#!][^>]*>", " ", text)  # <@U123>, <#C1|chan>, <!here>
    text = re.sub(r"<(?:https?|mailto):[^>|]*\|([^>]*)>", r"\1", text)  # <url|label>
    text = re.sub(r"<(?:https?|mailto):[^>]*>", " ", text)
    text = re.sub(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)", " ", text)
    text = re.sub(r":[a-z0-9_+\-]+:", " ", text)  # :thinking_face:
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    # A CLI prompt pasted into a question ("admin@PA-3220> ...") names the asker's own
    # model after its "@": the user name goes, the model stays (in documents, a prompt's
    # model is an example's host name, and `lexicon` does not read it as a platform).
    text = re.sub(r"(?<![\w.-])[\w.-]+@(?=[A-Za-z]{2}[\s-]?\d)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def split_questions(text: str) -> list[str]:
    """'ha1 port? and ha2 ethertype?' -> two questions; one question stays one."""
    parts = re.split(r"(?<=\?)\s+|\n+|;\s+(?=\w)|,?\s+and\s+(?=(?:what|which|how|where|when|why|who)(?:'s)?\b)", text)
    parts = [p.strip(" ?.") for p in parts if p and len(p.strip(" ?.")) > 1]
    return parts or [text.strip()]


def _normalise_words(text: str, repair: Repair | None = None) -> str:
    low = lexicon.normalise(text)
    low = low.replace("’", "'")
    low = _expand(low)
    corrected = _correct_typos(low, repair)
    # A corrected typo may be an abbreviation itself ("sycn" -> "sync").
    return _expand(corrected) if corrected != low else low


# A noun's abbreviation takes a plural as chat writes it: "fws" are firewalls, "hbs" heartbeats.
_PLURAL_OF = {
    m.group(1): repl
    for pattern, repl in _ABBREVIATIONS.items()
    if (m := re.fullmatch(r"\\b([a-z]+)\\b", pattern)) and repl.isalpha()
}
_PLURAL = re.compile(rf"\b({'|'.join(map(re.escape, _PLURAL_OF))})s\b") if _PLURAL_OF else None


def as_asked(text: str) -> str:
    """A document's short text (a table's column name: "A/A", "A/P") read as a question's
    words are: lower-cased, its abbreviations spelled out ("active/active")."""
    return _expand(lexicon.normalise(text))


def _expand(low: str) -> str:
    if _PLURAL is not None:
        low = _PLURAL.sub(lambda m: _whole(m, low, f"{_PLURAL_OF[m.group(1)]}s"), low)
    for pattern, repl in _ABBREVIATIONS.items():
        text = low

        def expanded(m: re.Match[str], text: str = text, repl: str = repl) -> str:
            return _whole(m, text, m.expand(repl))

        low = re.sub(pattern, expanded, low)
    return low


def _whole(m: re.Match[str], text: str, repl: str) -> str:
    """An abbreviation joined by a hyphen to a number or a single letter is part of a name
    ("aes-256-gcm", a cipher; "fw-a", a firewall's name); joined to a word ("mgmt-port",
    "a/a-mode") it is still the abbreviation."""
    before = re.search(r"(?:^|[^\w-])([\w-]*)-$", text[: m.start()]) if m.start() > 0 else None
    after = re.match(r"-([\w-]*)", text[m.end() :])
    joined = [part for g in (before, after) if g for part in g.group(1).split("-") if part]
    if joined and any(part.isdigit() or len(part) == 1 for part in joined):
        return m.group(0)
    return repl


def _correct_typos(low: str, repair: Repair | None = None) -> str:
    """Snap mistyped words to the documents' own words (`repair`, the build's vocabulary:
    see Vocabulary.closest); with no build at hand, none are. A mistyped wh-word ("wat",
    "whcih") is read as the one it is a slip of: whether a question asks what or whether
    turns on it."""
    low = re.sub(r"\b[a-z]{3,6}\b", _wh_word, low)
    if repair is None:
        return low
    words = re.findall(r"[a-z][a-z\-]{3,}", low)
    for word in dict.fromkeys(words):  # in the order typed: the same repairs whatever the hash seed
        if word in _STOP or english_zipf(word) >= 3.0:
            continue  # a real English word ("port", "mode") is not a typo
        fixed = repair(word)
        if fixed != word:
            low = re.sub(rf"\b{re.escape(word)}\b", fixed, low)
    return low


# The wh-words (a closed class): a question that opens with one asks for a value or a
# reason, not yes or no.
_WH_WORDS = ("what", "which", "where", "when", "why", "how", "who")


def _wh_word(m: re.Match[str]) -> str:
    word = m.group(0)
    # "two", "row", "then" are words of their own; chat's "wat" and "wen" (rare in
    # English) are slips. The bar is higher than a topic word's typo, for a wh-word is short.
    if word in _WH_WORDS or word in _STOP or english_zipf(word) >= 4.0:
        return word
    return next((w for w in _WH_WORDS if _one_slip(word, w)), word)


def _one_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one letter left out or added, or two side by side
    swapped: the slips of fast typing. A changed letter is not one: "hoc" (of "ad hoc") is
    no "how", "whit" no "what"."""
    if typed == word or abs(len(typed) - len(word)) > 1:
        return False
    if len(typed) == len(word):
        diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and typed[diff[0]] == word[diff[1]]
            and typed[diff[1]] == word[diff[0]]
        )
    short, long = sorted((typed, word), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# A question a person types is a few dozen words; past these bounds a message is
# not asking more, it is costing more ("hb? " * 500 is one question asked 500 times).
MAX_WORDS = 60
MAX_VALUES = 8


def _cues(low: str) -> frozenset[str]:
    return frozenset(n for pattern, names in _ATTRIBUTE_CUES if pattern.search(low) for n in names)


def split_coordinated(text: str) -> list[str]:
    """'ha2: layer, ether type, and both routable transports' -> one question
    per thing asked of the one link: a coordinated list whose every member asks for a
    different kind of value, and where one member alone names the link, is several
    questions about that link. Anything else (two links, a member that asks nothing, two
    members asking the same) stays one question."""
    # A list ends in "and": "A, B and C", "A, B, and C", "A and B" ("..., what do I allow"
    # is a clause and its question, no list).
    head, sep, last = text.rpartition(" and ")
    if not sep:
        return [text]
    pieces = [p.strip(" :,") for p in [*head.split(","), last] if p.strip(" :,")]
    if len(pieces) < 2 or len(pieces) > MAX_VALUES:
        return [text]
    lows = [_normalise_words(p) for p in pieces]
    cues = [_cues(low) for low in lows]
    if not all(cues) or len(set(cues)) < len(cues):
        return [text]
    named = [lexicon.links_in(low) for low in lows]
    if sum(1 for n in named if n) != 1:
        return [text]
    links = " ".join(next(n for n in named if n))
    return [p if n else f"{links} {p}" for p, n in zip(pieces, named, strict=True)]


def parse(question: str, repair: Repair | None = None) -> list[Query]:
    """Every distinct sub-question of a chat message, parsed, each bounded to MAX_WORDS."""
    cleaned = clean_chat(question)
    out: list[Query] = []
    seen: set[str] = set()
    for part in (p for whole in split_questions(cleaned) for p in split_coordinated(whole)):
        words = part.split()
        bounded = " ".join(words[:MAX_WORDS])
        key = bounded.lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(parse_one(bounded, question, repair))
    return out


def cue_attributes(low: str) -> list[str]:
    """The attributes a (normalised) text's words cue, in the order of `_ATTRIBUTE_CUES`."""
    attrs: list[str] = []
    for pattern, names in _ATTRIBUTE_CUES:
        if pattern.search(low):
            attrs.extend(n for n in names if n not in attrs)
    return attrs


# Chat puts the topic first and the question after a dash or a colon ("heartbeat ports
# cabled back to back - shielded cable?"): what is asked is the last part.
_ASKED_PART = re.compile(r"(?:\s[-\u2013\u2014]\s|:\s)(?!.*(?:\s[-\u2013\u2014]\s|:\s))(.+)$")


def asked_part(low: str) -> str:
    """The part of a chat question that asks (after its last dash or colon), or all of it."""
    m = _ASKED_PART.search(low)
    return m.group(1) if m and m.group(1).strip(" ?") else low


def parse_one(text: str, original: str | None = None, repair: Repair | None = None) -> Query:
    low = _normalise_words(text, repair)
    q = Query(text=text, original=original or text, norm=low, spelled=_correct_typos(lexicon.normalise(text), repair))
    q.subjects = lexicon.links_in(low)
    # "heartbeat" alone in a question about backups means heartbeat backup.
    if not q.subjects and re.search(r"\bheartbeat\b", low) and re.search(r"\bbackup|\bmanagement\b|\bport", low):
        q.subjects = ["heartbeat-backup"]
    q.unknown_links = [f"HA{m.group(1)}" for m in _UNKNOWN_LINK.finditer(low)]
    q.mentions_interfaces = lexicon.interfaces_in(low)
    attrs = cue_attributes(low)
    # "what's used for heartbeats?" asks for the thing (a protocol, a port) whose
    # purpose is the topic, not for the link's purposes.
    if re.search(
        r"\bwhat(?:'s| is| are)? used (?:for|to)\b|\bhow (?:are|is|do|does)\b.*\b(?:exchanged|sent|carried|transported)\b",
        low,
    ):
        attrs = ["protocol"] + [a for a in attrs if a != "protocol"]
    q.attributes = attrs
    model = lexicon.canonical_model(text)
    q.platform = model
    model_digits = {m.group(1) for m in re.finditer(r"\b(?:pa|vm)[\s-]?(\d{2,4})", low)}
    # The same value twice is one value; a question names a handful at most.
    q.numbers = list(dict.fromkeys(n for n in _NUMBER.findall(low) if n not in model_digits))[:MAX_VALUES]
    # A number with a unit after it ("80%", "1000 ms") is a quantity: a value a sentence
    # must hold, but no port, ID or model to look up by ("port 80 at 80% load?" asks both).
    bare = {m.group(1) for m in _NUMBER.finditer(low) if not _QUANTITY.match(low, m.end())}
    q.quantities = [n for n in q.numbers if n not in bare]
    q.hexes = list(dict.fromkeys(_HEX.findall(low)))[:MAX_VALUES]
    q.yes_no = bool(_YES_NO.search(low)) or (bool(_TERSE_YES_NO.search(low)) and not _WH.search(low))
    if re.search(r"\b\w+ or (?!not\b)\w+\??$", low):
        q.yes_no = False  # "is 28769 tcp or udp?" asks which, not whether
    q.has_wh = bool(_WH.search(low))
    q.asks_quantity = bool(_HOW_MUCH.search(low))
    q.which_link = bool(re.search(r"\b(?:which|what)\s+(?:ha\s+)?links?\b", low))
    q.topic = topic_words(low)
    # "backup link for ha3?": with no backup subject to absorb it, "backup" is the topic.
    if q.subjects and re.search(r"\bbackup\b", low) and not any(s.endswith("backup") for s in q.subjects):
        q.topic.append("backup")
    if "heartbeat-backup" in q.subjects:
        q.topic = [w for w in q.topic if not w.startswith("heartbeat")]
    return q


# Words that only say which attribute is asked (or are chat filler): they are not
# the topic of a question and must not be required to appear in an answer.
_CUE_WORDS = frozenset(
    """port ports protocol protocols transport tcp udp ip ether type types ethertype layer layers
    encapsulation direction keep-alive support supports supported use uses used using can need needs
    needed require requires required recommend recommended best practice should interface interfaces
    link links dedicated ha backup backups number numbers value default what's
    have has does do is are which what one work works go goes still ever anything something thing
    open allow peer peers pair pairs model models platform platforms series firewall firewalls pa
    mgt management control data packet forwarding keep alive encryption encrypted
    synchronize synchronization purpose carry carries exchange type unidirectional bidirectional
    config configure configured setup set yes no nope ok okay quick question guys folks anyone
    span subnets subnet cross requirement requirements actually exactly really basically
    mean means meaning tell explain info details traffic communication message messages
    routed routable router routers""".split()
)


def topic_words(low: str) -> list[str]:
    """The question's own subject matter: 'aux' in 'aux ports on a pa-5260 for ha1?'."""
    words = []
    for w in re.findall(r"[a-z0-9][a-z0-9\-]*", low.replace("/", " ")):
        if w in _STOP or w in _CUE_WORDS or len(w) < 2:
            continue
        if re.fullmatch(r"ha\d(?:-[ab]|-backup)?|\d+|0x[0-9a-f]+|layer|l\d", w) or lexicon.links_in(w):
            continue
        if re.fullmatch(r"[a-z]{2}-?\d+[a-z]*", w) and lexicon.canonical_model(w):  # a model is no topic
            continue
        words.append(w)
    return list(dict.fromkeys(words))


def content_words(text: str, repair: Repair | None = None) -> list[str]:
    """Words that carry the question's topic (for retrieval scoring and abstention); with
    `repair`, typos are repaired before abbreviations are read ("encrpyted" -> "encrypted"
    -> "encryption"), as the question's reading does."""
    low = _normalise_words(clean_chat(text), repair)
    # A negated auxiliary ("isn't", "won't") is grammar, not topic: its stem ("isn") is no
    # word of the question (the negation itself is read from the text).
    low = _NEGATED_AUX.sub(" ", low)
    words = re.findall(r"[a-z0-9][a-z0-9\-]*", low.replace("/", " "))
    return [w for w in words if w not in _STOP and len(w) > 1]


_NEGATED_AUX = re.compile(r"\b[a-z]+n['\u2019]t\b")


_STOP = frozenset(
    """a an the and or of to in on for with at by from is are was were be been being do does did
    how what which who whom whose when where why can could should would will shall may might must
    i me my we our you your it its this that these those there here then than so if not no yes
    please pls plz thx thanks hey hi hello team anyone someone know tell about use uses used using
    get got need needs want any some all each every other into out up down over under again
    as per via like after many much gets come comes back itself themselves run runs
    go goes going went they them their through across over under onto into upon would
    should could might must shall will being been does did doing done make makes made
    anyway actually basically both either each way ways still just also only very quick question q whats what's hows how's isnt isn't dont don't doesnt
    doesn't cant can't between ha firewall firewalls palo alto networks pan-os panos pan os
    but yet nor though although""".split()
)
