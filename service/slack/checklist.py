"""`/hakb checklist PA-3260 a/p udp encrypted`: the connectivity checklist in Slack, as the
text a firewall-rule ticket takes (`hakb.service.checks.checklist.render_text`), in code
blocks; a word it cannot read, an unknown model or a ruled-out combination is said plainly."""

from __future__ import annotations

from hakb.errors import HakbError
from hakb.service.checks.checklist import build_checklist, parse_words, render_text
from hakb.service.index import LoadedBuild
from hakb.service.slack.blocks import Block, Message, escape

USAGE = (
    "For example `/hakb checklist PA-3260 a/p udp encrypted backups ha1,ha2,heartbeat`: a model, then "
    "any of a mode (a/p, a/a, cluster), an HA2 transport (ethernet, ip, udp), `encrypted` (HA1 "
    "encryption on), `ha3`, `hsci`, `backups NAMES`, a PAN-OS version."
)
_BLOCK_TEXT = 2900  # Slack allows 3,000 characters in a section; the code fences take six
_MAX_BLOCKS = 45  # of Slack's 50 per message


def checklist_message(build: LoadedBuild, words: str, max_blocks: int = _MAX_BLOCKS) -> Message:
    """The checklist for the deployment `words` names, or what is wrong with them."""
    if not words.strip():
        return _plain(f"Which deployment? {USAGE}")
    try:
        found = build_checklist(build.facts, build.scope_vocabulary, parse_words(words))
    except HakbError as exc:  # BadInput, NotFound (unknown model), RuledOut: the message says why
        return _plain(f"Sorry, no checklist: {exc}. {USAGE}")
    blocks: list[Block] = []
    chunk = ""
    for line in escape(render_text(found)).splitlines(keepends=True):
        # A very long quote is split across blocks, never dropped.
        for piece in [line[i : i + _BLOCK_TEXT] for i in range(0, len(line), _BLOCK_TEXT)]:
            if len(chunk) + len(piece) > _BLOCK_TEXT:
                blocks.append(_code(chunk))
                chunk = ""
            chunk += piece
    if chunk:
        blocks.append(_code(chunk))
    if len(blocks) > max_blocks:
        blocks = blocks[:max_blocks]
        # The whole deployment in the link (mode, transport, backups, ...): the same checklist.
        link = f"GET /v1/checklist?{found.deployment.query}"
        blocks.append(_section(f"(cut here: the whole checklist is at {escape(link)})"))
    summary = f"HA connectivity checklist for {found.model}: " + ", ".join(line.link for line in found.lines)
    return Message(text=escape(summary), blocks=blocks)


def _code(escaped: str) -> Block:
    return _section(f"```{escaped.rstrip()}```")


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str) -> Message:
    return Message(text=escape(text), blocks=[_section(escape(text))])
