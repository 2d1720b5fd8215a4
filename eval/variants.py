"""Reworded copies of a gold question, made at eval time, for the robustness figures.

A support engineer who asks "which HA timer profiles can I pick?" expects the
answer they get for "...can I choose?". Each variant keeps the meaning of the
question and changes only its surface, one way at a time:

* `typo`: one ordinary word (5 letters or more) misspelt (a swapped, dropped, doubled or neighbouring
  key). Numbers, model and link names (anything with a digit, "hsci", "mgt"...),
  all-caps words and negations ("not", "without") are never touched;
* `synonym`: pick/choose/select, off/disabled/not enabled, max/maximum,
  fw/firewall, hb/heartbeat (both ways);
* `filler`: chat around the question: "customer asking:", "any idea?", "pls", a
  Slack mention `<@U0ABC123>`;
* `markup`: Slack markup on one word (`*bold*` or `` `code` ``);
* `casing`: the whole message in upper case, lower case or sentence case.

Everything is drawn from `random.Random(f"{seed}:{item id}")`: the same seed and
question give the same variants on every machine and run (a string seed is hashed
with SHA-512, not with Python's per-process `hash`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_SEED = 20261130
KINDS = ("typo", "synonym", "filler", "markup", "casing")
MENTION = "<@U0ABC123>"

# Link, protocol and product names: a typo there changes what is asked, not how.
PROTECTED = frozenset(
    """
    ha hsci mgt mgmt ssh tcp udp icmp arp mtu macsec lacp lldp vsys ngfw ngfws panorama corosync vwire
    ipsec ike ethertype ether aws azure gcp vm cn pan os panos scm cli api gui ui ip ipv4 ipv6 mac
    mc lag vrrp ospf bgp bfd dscp ztp nat qos lacp hellos a p fw fws hb hbs
    """.split()
)
# Words whose misspelling could turn the question into its opposite.
NEGATIONS = frozenset(
    "not no never without cannot can't won't don't doesn't isn't aren't wasn't nor none neither unencrypted".split()
)
# Nobody puts these in *bold*.
FUNCTION_WORDS = frozenset(
    """
    what which when where why who how does did do is are was were can could should would will the and
    for with from into onto through between about there their this that these those have has had any
    use used using
    """.split()
)
KEYBOARD = {
    "a": "qsz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}
# Each group: words that mean the same here, any of them may replace any other.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("pick", "choose", "select"),
    ("picks", "chooses", "selects"),
    ("picking", "choosing", "selecting"),
    ("off", "disabled", "not enabled"),
    ("max", "maximum"),
    ("fw", "firewall"),
    ("fws", "firewalls"),
    ("hb", "heartbeat"),
    ("hbs", "heartbeats"),
)
# "turn off X" is a verb: "turn disabled X" is not a synonym. Nor is "off" in "failover off the peer".
_VERB_OFF = re.compile(
    r"\b(turns?|turned|turning|switch|switched|switching|shut|shutting|log|logged|back|cut|kick|kicked"
    r"|power|powered|take|took|taking|fail|failed|failing)\s+$",
    re.IGNORECASE,
)
FILLERS = (
    ("customer asking: ", ""),
    ("", " any idea?"),
    ("", " pls"),
    (f"{MENTION} ", ""),
    (f"{MENTION} customer asking: ", " any idea?"),
    ("pls ", ""),
)
# Spans never edited: Slack mentions, links, channel names, code and bold already there.
_UNTOUCHABLE = re.compile(r"<[^>]*>|`[^`]*`|\*[^*]*\*|&[a-z]+;")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'/._-]*[A-Za-z0-9]|[A-Za-z0-9]")


@dataclass(frozen=True)
class Variant:
    kind: str  # one of KINDS
    question: str


def variants(question: str, key: str, n: int = 2, seed: int = DEFAULT_SEED) -> list[Variant]:
    """Up to `n` variants of `question`, each of a different kind, all different from it
    and from each other. `key` (the item id) makes each item's draw its own."""
    rng = random.Random(f"{seed}:{key}")
    kinds = list(KINDS)
    rng.shuffle(kinds)
    # The issue's own failures were synonyms: a question that has one always gets it.
    if _synonym_spots(question):
        kinds.remove("synonym")
        kinds.insert(0, "synonym")
    out: list[Variant] = []
    seen = {question}
    for kind in kinds:
        if len(out) >= n:
            break
        text = MAKERS[kind](question, rng)
        if text is not None and text not in seen:
            seen.add(text)
            out.append(Variant(kind, text))
    return out


# -- one maker per kind: the question with one change, or None when it does not apply --


def _free_words(question: str) -> list[re.Match[str]]:
    """Words outside mentions, links and existing markup."""
    blocked = [m.span() for m in _UNTOUCHABLE.finditer(question)]
    return [m for m in _WORD.finditer(question) if not any(a <= m.start() < b for a, b in blocked)]


def is_ordinary(word: str) -> bool:
    """A plain word a typo may hit: letters only, 5 or more, not a name or a negation.
    (Shorter words turn into other words too easily: port, poet.)"""
    return (
        word.isalpha()
        and len(word) >= 5
        and not word.isupper()
        and word.lower() not in PROTECTED
        and word.lower() not in NEGATIONS
    )


def typo(question: str, rng: random.Random) -> str | None:
    words = [m for m in _free_words(question) if is_ordinary(m.group(0))]
    if not words:
        return None
    m = rng.choice(words)
    word = m.group(0)
    for _ in range(10):
        changed = _misspell(word, rng)
        if changed != word:
            return question[: m.start()] + changed + question[m.end() :]
    return None


def _misspell(word: str, rng: random.Random) -> str:
    # The first letter stays: people rarely get it wrong, and it keeps the word findable.
    i = rng.randrange(1, len(word))
    op = rng.choice(("swap", "drop", "double", "neighbour"))
    if op == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    near = KEYBOARD.get(word[i].lower(), "")
    if near:
        c = rng.choice(near)
        return word[:i] + (c.upper() if word[i].isupper() else c) + word[i + 1 :]
    return word[:i] + word[i + 1 :]


def _synonym_spots(question: str) -> list[tuple[int, int, tuple[str, ...]]]:
    spots = []
    blocked = [m.span() for m in _UNTOUCHABLE.finditer(question)]
    for group in SYNONYMS:
        for word in group:
            for m in re.finditer(rf"(?<![\w/-]){re.escape(word)}(?![\w/-])", question, re.IGNORECASE):
                if any(a <= m.start() < b for a, b in blocked):
                    continue
                if word == "off" and _VERB_OFF.search(question[: m.start()]):
                    continue
                others = tuple(w for w in group if w != word)
                spots.append((m.start(), m.end(), others))
    # "not enabled" and "enabled" overlap nothing else in the groups; keep the first per start.
    return sorted({s[0]: s for s in spots}.values())


def synonym(question: str, rng: random.Random) -> str | None:
    spots = _synonym_spots(question)
    if not spots:
        return None
    start, end, others = rng.choice(spots)
    new = rng.choice(others)
    old = question[start:end]
    if old[:1].isupper():
        new = new.upper() if old.isupper() and len(old) > 1 else new[:1].upper() + new[1:]
    return question[:start] + new + question[end:]


def filler(question: str, rng: random.Random) -> str | None:
    choices = [f for f in FILLERS if not (MENTION in f[0] and "<@" in question)]
    before, after = rng.choice(choices)
    return f"{before}{question.strip()}{after}"


def markup(question: str, rng: random.Random) -> str | None:
    words = [
        m
        for m in _free_words(question)
        if len(m.group(0)) >= 3 and m.group(0).lower() not in NEGATIONS and m.group(0).lower() not in FUNCTION_WORDS
    ]
    if not words:
        return None
    # Names are what people put in `code`; any content word may be *bold*.
    named = [m for m in words if not m.group(0).isalpha() or m.group(0).lower() in PROTECTED]
    m = rng.choice(named or words)
    mark = rng.choice(("`", "*"))
    return question[: m.start()] + mark + m.group(0) + mark + question[m.end() :]


def casing(question: str, rng: random.Random) -> str | None:
    options = [
        _outside_tokens(question, str.upper),
        _outside_tokens(question, str.lower),
        question[:1].upper() + question[1:],
    ]
    options = [o for o in options if o != question]
    return rng.choice(options) if options else None


def _outside_tokens(question: str, change: Callable[[str], str]) -> str:
    """`change` applied everywhere but inside <...>: <@U0ABC123> is an id, <url|label> a URL."""
    parts = re.split(r"(<[^>]*>)", question)
    return "".join(p if p.startswith("<") and p.endswith(">") else change(p) for p in parts)


MAKERS = {"typo": typo, "synonym": synonym, "filler": filler, "markup": markup, "casing": casing}
