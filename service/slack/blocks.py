"""Block Kit rendering of an `Answer`, and the values the buttons carry.

Order is what a support engineer reads first: the answer, then a warning when
documents disagree, the facts as a compact list, the sources as links, and the
feedback buttons. Every message also has plain `text`, which Slack shows in
notifications and to clients that cannot draw blocks.

Slack limits enforced here: section text 3,000 characters, button value 2,000,
button label 75, context elements 10, blocks 50.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hakb.ingest.models import Citation, Fact
from hakb.service.feedback import Vote
from hakb.service.models import Answer, Conflict

Block = dict[str, Any]

VOTE_HELPFUL = "hakb_vote_helpful"
VOTE_WRONG = "hakb_vote_wrong"
SHARE = "hakb_share"
VOTE_ACTIONS: dict[str, Vote] = {VOTE_HELPFUL: "helpful", VOTE_WRONG: "wrong"}

SECTION_MAX = 3000
VALUE_MAX = 2000
MAX_FACTS = 8
MAX_SOURCES = 5
QUOTE_MAX = 220
NOT_SAID = "The documentation does not say."
UNCOVERED = "The documents do not cover "  # how the engine opens an abstain on an uncovered scope


@dataclass
class Message:
    text: str  # the plain-text fallback (notifications, old clients)
    blocks: list[Block] = field(default_factory=list)


# -- text helpers ------------------------------------------------------------


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def link(url: str | None, label: str) -> str:
    """<url|label> for http(s) URLs; the escaped label alone otherwise."""
    label = escape(label.replace("|", "/"))
    if url and url.startswith(("https://", "http://")) and not any(c in url for c in "|<> "):
        return f"<{url}|{label}>"
    return label


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t, SECTION_MAX)} for t in texts[:10]]}


# -- the answer --------------------------------------------------------------


def answer_message(answer: Answer, *, share: bool = False, shared_by: str | None = None) -> Message:
    """The whole reply. `share` adds "Share in channel" (for ephemeral /hakb replies);
    `shared_by` (a user id) heads a shared copy with who asked what."""
    blocks: list[Block] = []
    if shared_by:
        blocks.append(_context(f"<@{shared_by}> asked: _{escape(clip(answer.question, 500))}_"))
    if answer.kind == "abstain":
        blocks.extend(_abstain_blocks(answer))
    else:
        blocks.append(_section(escape(answer.answer)))
        if answer.kind == "passage":
            # Honest about what this is: a quoted passage, not a looked-up fact.
            blocks.append(_context("Closest passage in the documentation (no exact fact found): check the source."))
    if answer.conflicts:
        blocks.append(_section(_conflicts_text(answer.conflicts)))
    if answer.kind == "fact" and answer.facts:
        blocks.append(_section(_facts_text(answer.facts)))
    sources = _sources(answer.citations)
    if sources:
        blocks.append(_context(*sources))
    blocks.append(_buttons(answer, share=share))
    return Message(text=fallback_text(answer), blocks=blocks[:50])


def fallback_text(answer: Answer) -> str:
    """The message's plain `text`, escaped like the blocks: Slack reads `<!channel>`,
    `<@U123>` and `<http://x|label>` in it too, and a document may hold them."""
    return clip(escape(_said(answer)), SECTION_MAX)


def _said(answer: Answer) -> str:
    if answer.kind == "abstain":
        said = NOT_SAID + (f" (looked for: {answer.looked_for})" if answer.looked_for else "")
    else:
        said = answer.answer
    if answer.conflicts:
        said += " Warning: the documents disagree on this."
    return said


def _abstain_blocks(answer: Answer) -> list[Block]:
    if answer.answer.startswith(UNCOVERED):
        # A scope no document covers: the engine's answer says which scopes they do cover.
        return [_section(f":grey_question: {escape(answer.answer)}")]
    looked = f" I looked for _{escape(answer.looked_for)}_" if answer.looked_for else " I looked"
    return [
        _section(
            f":grey_question: *{NOT_SAID}*{looked} in the indexed PAN-OS high-availability pages"
            " and found nothing I can cite, so I will not guess."
        ),
        _context("Try naming the HA link (HA1 to HA4, a backup link) or the firewall model."),
    ]


def _conflicts_text(conflicts: list[Conflict]) -> str:
    lines = [":warning: *The documents disagree*; check which page applies to your PAN-OS version:"]
    for c in conflicts:
        pairs = [f"`{escape(value)}` ({escape(source)})" for value, source in zip(c.values, c.sources, strict=False)]
        lines.append(f"• {escape(c.subject)} {escape(c.attribute)}: " + " vs ".join(pairs))
    return "\n".join(lines)


def _fact_line(fact: Fact) -> str:
    value = f"{fact.protocol} {fact.value}" if fact.protocol and fact.protocol not in fact.value else fact.value
    line = f"• *{escape(fact.subject)}* {escape(fact.attribute)}: {escape(value)}"
    if fact.qualifier:
        line += f" ({escape(fact.qualifier)})"
    if fact.platforms:
        line += f" on {escape(', '.join(fact.platforms))}"
    if fact.conflict:
        line += " :warning:"
    return line


def _facts_text(facts: list[Fact]) -> str:
    lines = [_fact_line(f) for f in facts[:MAX_FACTS]]
    if len(facts) > MAX_FACTS:
        lines.append(f"…and {len(facts) - MAX_FACTS} more")
    return "\n".join(lines)


def _sources(citations: list[Citation]) -> list[str]:
    seen: set[tuple[str, str]] = set()
    out: list[str] = []
    for c in citations:
        key = (c.url or c.title, c.section)
        if key in seen:
            continue
        seen.add(key)
        page = link(c.url, c.title)
        section = c.section.split(" > ")[-1] if c.section else ""
        text = f":page_facing_up: {page}"
        if section and section != c.title:
            text += f" › {escape(section)}"
        if c.scope_label:  # which product, deployment and PAN-OS version the quote holds for
            text += f" ({escape(c.scope_label)})"
        if c.quote:
            text += f"\n“{escape(clip(c.quote, QUOTE_MAX))}”"
        out.append(text)
        if len(out) == MAX_SOURCES:
            break
    return out


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, 75), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _buttons(answer: Answer, *, share: bool) -> Block:
    value = vote_value(answer)
    elements = [
        _button(":thumbsup: Helpful", VOTE_HELPFUL, value),
        _button(":thumbsdown: Wrong", VOTE_WRONG, value),
    ]
    if share:
        elements.append(_button("Share in channel", SHARE, clip(answer.question, VALUE_MAX), style="primary"))
    return {"type": "actions", "block_id": "hakb_feedback", "elements": elements}


# -- button values -----------------------------------------------------------


@dataclass(frozen=True)
class VoteValue:
    question: str
    answer: str
    build_id: str | None


def vote_value(answer: Answer) -> str:
    """What a vote records (question, answer shown, build), in at most 2,000 characters.

    The answer is shortened first, then the question: the question says what was
    asked; the build id says which documents answered it. JSON escaping can make
    a character longer, so the length is checked on the encoded text."""
    question, text = answer.question, answer.answer if answer.kind != "abstain" else clip(_said(answer), SECTION_MAX)

    def encode(q: str, a: str) -> str:
        return json.dumps({"q": q, "a": a, "b": answer.build_id}, ensure_ascii=False, separators=(",", ":"))

    value = encode(question, text)
    while len(value) > VALUE_MAX and len(text) > 1:
        text = clip(text, max(1, len(text) - (len(value) - VALUE_MAX) - 1))
        value = encode(question, text)
    while len(value) > VALUE_MAX and len(question) > 1:
        question = clip(question, max(1, len(question) - (len(value) - VALUE_MAX) - 1))
        value = encode(question, text)
    return value


def parse_vote_value(value: str) -> VoteValue:
    """The inverse of `vote_value`; a value that is not ours still yields a record."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return VoteValue(question=str(value or "")[:VALUE_MAX] or "(unknown question)", answer="", build_id=None)
    build = data.get("b")
    return VoteValue(
        question=str(data.get("q") or "") or "(unknown question)",
        answer=str(data.get("a") or ""),
        build_id=str(build) if build else None,
    )


# -- everything that is not an answer ----------------------------------------

HELP = (
    "Ask me about PAN-OS high-availability links, ports and platforms, for example "
    "`what port does HA1 use?` or `can I use HA3 on a PA-3260?`. "
    "Mention me in a channel, send me a direct message, or use `/hakb QUESTION` for an answer only you see. "
    "`/hakb scope vm-series aws 11.1` sets the product, cloud, PAN-OS version or model your questions are "
    "answered for; `/hakb scope` shows it, `/hakb scope clear` removes it."
)


def scope_note(label: str) -> Block:
    """Under an answer given in the asker's default scope."""
    return _context(f"Answered for your default scope: *{escape(clip(label, 200))}* (`/hakb scope clear` removes it)")


def notice(text: str) -> Message:
    """A short message with no answer in it (help, apology, input problems)."""
    return Message(text=escape(text), blocks=[_section(escape(text))])
