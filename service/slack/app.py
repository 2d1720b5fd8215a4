"""The slack-bolt App: where the bot answers, and how.

Where: an `app_mention` (reply in the mention's thread), a direct message, a
follow-up in a thread the bot already answered (with the thread's first question
as context; without a mention, only when it is a question about HA things, so
"thanks!" in the thread gets no reply), `/hakb QUESTION` (an ephemeral reply
with "Share in channel"), and the feedback buttons.

Acknowledging within Slack's 3 seconds: the App runs with
`process_before_response=True`, so each listener answers and posts *before*
the HTTP response goes back, and the response is the ack. The engine answers in
milliseconds (facts) to tens of milliseconds (passages) and a post is one Web
API call with a short timeout, so the ack stays far inside the budget (about
10-20 ms against a local stand-in for Slack, see tests/slack). This was chosen
over "ack first, work in a lazy listener" because nothing is left running after
the response: a reply cannot be lost by a worker restart after Slack was told
"done", a failed post can hand the message back to Slack's retry, and an answer
is always in Slack by the time the request ends. If Slack's Web API ever is slow
enough to push the ack past 3 s, Slack retries, and the retry is dropped by the
deduper: still one reply.

Never answered: the bot's own messages (bolt's IgnoringSelfEvents, plus a
bot-user check here), other bots (`bot_id`, subtype `bot_message`), edits,
deletions and joins (any other message subtype).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from hakb.errors import BadInput, ConfigError, HakbError
from hakb.service import question as qparse
from hakb.service.engine import Engine, EngineError
from hakb.service.feedback import NewVote, VoteStore
from hakb.service.index import NotReady
from hakb.service.metrics import metrics, observe_answer
from hakb.service.models import Answer
from hakb.service.scope import QuestionScope
from hakb.service.scope_choice import ScopeChoice
from hakb.service.slack import blocks
from hakb.service.slack.blocks import Message
from hakb.service.slack.checklist import checklist_message
from hakb.service.slack.dedupe import Deduper
from hakb.service.slack.preferences import UserScopes
from hakb.service.slack.threads import ThreadMemory, strip_mentions
from hakb.service.state import SharedState, StateUnavailable
from hakb.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Per Web API call: short, so a slow Slack cannot hold the ack for long.
WEB_API_TIMEOUT_S = 2
# Message subtypes that are a person writing; everything else (edits, deletions,
# joins, bot messages) is not a question.
_PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}

APOLOGY = "Sorry, something went wrong while answering that. It was logged; please try again in a moment."
NOT_READY = "Sorry, I have no documentation loaded yet (the index is still being built). Please try again in a minute."
UNAVAILABLE = "Sorry, the documentation search is unavailable right now. Please try again in a minute."


class SlackConfigError(ConfigError):
    """Slack is half configured (a signing secret without a bot token)."""


@dataclass
class SlackDeps:
    """What the bot needs from the service, looked up per request: the engine and
    the feedback store are opened in the API's lifespan, after the App exists."""

    engine: Callable[[], Engine]
    feedback: Callable[[], VoteStore]
    state: SharedState  # claims and thread memory, shared by every worker and replica
    max_question_chars: int = 2000
    scopes: UserScopes | None = None  # each user's default scope (`/hakb scope ...`); None: no defaults


@dataclass
class _Reply:
    message: Message
    answer: Answer | None = None
    started: float = field(default_factory=time.perf_counter)


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url or DEFAULT_API_URL
    # slack_sdk joins method names onto the base URL: it must end with a slash.
    return url if url.endswith("/") else url + "/"


def create_bolt_app(settings: Settings, deps: SlackDeps) -> App:
    """The App with every listener registered. No network call happens here."""
    if not settings.slack_signing_secret:
        raise SlackConfigError("SLACK_SIGNING_SECRET is not set")
    if not settings.slack_bot_token:
        raise SlackConfigError("SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not: the bot could not reply")
    client = WebClient(token=settings.slack_bot_token, base_url=api_base_url(settings), timeout=WEB_API_TIMEOUT_S)
    bolt_log = logging.getLogger("hakb.service.slack.bolt")
    bolt_log.addFilter(_drop_token_warning)
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=client,
        # No auth.test at start-up (it would need the network); bolt calls it once,
        # on the first event, to learn the bot's own user id.
        token_verification_enabled=False,
        process_before_response=True,
        logger=bolt_log,
    )
    SlackBot(deps).register(app)
    return app


class SlackBot:
    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps
        self.deduper = Deduper(deps.state)
        self.threads = ThreadMemory(deps.state)

    def register(self, app: App) -> None:
        app.event("app_mention")(self.on_app_mention)
        app.event("message")(self.on_message)
        app.command("/hakb")(self.on_command)
        app.action(blocks.VOTE_HELPFUL)(self.on_vote)
        app.action(blocks.VOTE_WRONG)(self.on_vote)
        app.action(blocks.SHARE)(self.on_share)
        app.error(self.on_error)

    # -- events --------------------------------------------------------------

    def on_app_mention(
        self, body: dict[str, Any], event: dict[str, Any], client: WebClient, context: Any, request: BoltRequest
    ) -> None:
        if _not_a_person(event, context.bot_user_id):
            return
        self._answer_event(body, event, client, context, request, explicit=True, top_level_in_thread=True)

    def on_message(
        self, body: dict[str, Any], event: dict[str, Any], client: WebClient, context: Any, request: BoltRequest
    ) -> None:
        if _not_a_person(event, context.bot_user_id):
            return
        channel, ts = event.get("channel", ""), event.get("ts", "")
        thread_ts = event.get("thread_ts")
        if event.get("channel_type") == "im":
            # A DM is always to the bot; reply where it was asked (top level or thread).
            self._answer_event(body, event, client, context, request, explicit=True, top_level_in_thread=False)
        elif (
            thread_ts
            and thread_ts != ts
            and self.threads.answered(channel, thread_ts)
            # Without a mention: people also say "thanks" there, so only a question about HA things.
            and _is_follow_up_question(strip_mentions(str(event.get("text", ""))), self._repair())
        ):
            # A follow-up in a channel thread the bot answered.
            self._answer_event(body, event, client, context, request, explicit=False, top_level_in_thread=True)
        # Anything else in a channel is people talking to each other.

    def _repair(self) -> qparse.Repair | None:
        """Typos snap to the build's words, as when the question is answered."""
        try:
            return self.deps.engine().build.vocabulary.closest
        except HakbError:
            return None

    def _answer_event(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: WebClient,
        context: Any,
        request: BoltRequest,
        *,
        explicit: bool,
        top_level_in_thread: bool,
    ) -> None:
        channel, ts = str(event.get("channel", "")), str(event.get("ts", ""))
        if not channel or not ts:
            return
        retries = request.headers.get("x-slack-retry-num") or []
        retry = retries[0] if retries else None
        claim = self.deduper.claim(body.get("event_id"), channel, ts)
        if claim is None:
            metrics().slack_duplicates.inc()
            log.info(
                "slack duplicate dropped event=%s channel=%s ts=%s retry=%s", body.get("event_id"), channel, ts, retry
            )
            return
        thread_ts = event.get("thread_ts")
        in_thread = bool(thread_ts and thread_ts != ts)
        question = strip_mentions(str(event.get("text", "")))
        ctx = None
        if in_thread and question:
            ctx = self.threads.context_for(client, channel, str(thread_ts), may_look_up=explicit)
        reply = self._reply(question, ctx, who=_who(body.get("team_id"), event.get("user")))
        # Top-level channel messages get their answer in a thread under them; a
        # top-level DM gets a plain reply, as in a conversation.
        reply_ts = thread_ts if in_thread else (ts if top_level_in_thread else None)
        try:
            posted = client.chat_postMessage(
                channel=channel,
                thread_ts=reply_ts,
                text=reply.message.text,
                blocks=reply.message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            # Slack said no (rate limited, say): give the message back so Slack's
            # retry of this event can answer it, and fail the request so it retries.
            self.deduper.release(claim)
            log.warning(
                "slack post refused (%s) channel=%s ts=%s: left to Slack's retry",
                exc.response.get("error"),
                channel,
                ts,
            )
            raise
        metrics().slack_replies.labels(reply.answer.kind if reply.answer else "notice").inc()
        if question and reply.answer is not None:
            try:
                self._remember_thread(channel, ts, thread_ts if in_thread else None, question, posted, reply_ts)
            except StateUnavailable as exc:
                # The answer is in Slack: failing now would only make Slack retry it.
                log.warning("slack thread not remembered channel=%s ts=%s: %s", channel, ts, exc)
        log.info(
            "slack answered kind=%s channel=%s ts=%s thread=%s context=%s retry=%s ms=%.1f",
            reply.answer.kind if reply.answer else "notice",
            channel,
            ts,
            reply_ts,
            bool(ctx),
            retry,
            (time.perf_counter() - reply.started) * 1000,
        )

    def _remember_thread(
        self, channel: str, ts: str, thread_ts: str | None, question: str, posted: Any, reply_ts: str | None
    ) -> None:
        if thread_ts:
            # First question of a thread the bot had not seen: this one.
            self.threads.remember(channel, thread_ts, question)
            return
        self.threads.remember(channel, ts, question)
        if reply_ts is None:
            # A top-level reply (in a DM) can itself become a thread's parent.
            bot_ts = posted.get("ts") if posted is not None else None
            if bot_ts:
                self.threads.remember(channel, str(bot_ts), question)

    # -- the slash command ---------------------------------------------------

    def on_command(self, ack: Ack, command: dict[str, Any]) -> None:
        question = str(command.get("text", "")).strip()
        if question.lower() in {"", "help", "?"}:
            ack(response_type="ephemeral", **_payload(blocks.notice(blocks.HELP)))
            return
        who = _who(command.get("team_id"), command.get("user_id"))
        words = question.split(None, 1)
        if words[0].lower() == "scope":
            ack(response_type="ephemeral", **_payload(blocks.notice(self._scope_command(who, question[5:].strip()))))
            return
        if words[0].lower() == "checklist":
            ack(response_type="ephemeral", **_payload(checklist_message(self.deps.engine().build, question[9:])))
            return
        reply = self._reply(question, None, share=True, who=who)
        ack(response_type="ephemeral", **_payload(reply.message))
        metrics().slack_replies.labels(reply.answer.kind if reply.answer else "notice").inc()
        log.info(
            "slack /hakb kind=%s user=%s ms=%.1f",
            reply.answer.kind if reply.answer else "notice",
            command.get("user_id"),
            (time.perf_counter() - reply.started) * 1000,
        )

    # -- buttons -------------------------------------------------------------

    def on_vote(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, request: BoltRequest
    ) -> None:
        ack()
        vote = blocks.VOTE_ACTIONS[str(action.get("action_id"))]
        value = blocks.parse_vote_value(str(action.get("value", "")))
        user = str((body.get("user") or {}).get("id") or "") or None  # from the signed payload
        # A signed request sent again (a replay, or Slack's own retry) is the same bytes:
        # the vote is stored once.
        dedupe_key = "slack:" + hashlib.sha256(request.raw_body.encode()).hexdigest()
        # The store holding the key (one host's file, or Redis for every replica) sees to it.
        try:
            record = self.deps.feedback().add(
                NewVote(
                    vote=vote,
                    question=value.question,
                    answer=value.answer,
                    user=user,
                    source="slack",
                    build_id=value.build_id,
                ),
                dedupe_key=dedupe_key,
            )
        except Exception:
            log.exception("slack vote=%s could not be stored (user %s)", vote, user)
            self._tell_user(
                body, client, blocks.notice("Sorry, your vote could not be saved. It was logged; please try again.")
            )
            return
        if record is None:
            log.info("slack duplicate vote dropped vote=%s user=%s", vote, user)
            return
        log.info("slack vote=%s id=%s user=%s", vote, record.id, user)
        thanks = (
            "Thanks, noted that this answer helped."
            if vote == "helpful"
            else "Thanks, noted that this answer is wrong; it will be reviewed."
        )
        self._tell_user(body, client, blocks.notice(thanks))

    def on_share(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        question = str(action.get("value", "")).strip()
        user = str((body.get("user") or {}).get("id") or "")
        url = body.get("response_url")
        if not question or not url:
            return
        # Asked again rather than carried in the button: the value holds 2,000
        # characters, an answer with its blocks does not fit.
        team = str((body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or "")
        reply = self._reply(question, None, shared_by=user or None, who=_who(team, user))
        hook = WebhookClient(url, timeout=WEB_API_TIMEOUT_S)
        shared = hook.send_dict({"response_type": "in_channel", "replace_original": False, **_payload(reply.message)})
        if shared.status_code != 200:
            log.error("slack share failed: %s %s", shared.status_code, shared.body[:200])
            self._tell_user(body, client, blocks.notice("Sorry, I could not share that in the channel."))
            return
        # The private copy is no longer needed once everyone can see the answer.
        hook.send_dict({"delete_original": True})

    def _tell_user(self, body: dict[str, Any], client: WebClient, message: Message) -> None:
        """An ephemeral note to whoever clicked: via response_url, else chat.postEphemeral."""
        url = body.get("response_url")
        if url:
            WebhookClient(url, timeout=WEB_API_TIMEOUT_S).send_dict(
                {"response_type": "ephemeral", "replace_original": False, **_payload(message)}
            )
            return
        channel = (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        if channel and user:
            client.chat_postEphemeral(channel=channel, user=user, **_payload(message))

    # -- answering -----------------------------------------------------------

    # -- default scopes -------------------------------------------------------

    def _scope_command(self, who: tuple[str, str] | None, words: str) -> str:
        """`/hakb scope [clear | WORDS]`: what the user's default scope is, now."""
        store = self.deps.scopes
        if store is None or who is None:
            return "Default scopes are not available here."
        try:
            vocabulary = self.deps.engine().build.scope_vocabulary
        except NotReady:
            return NOT_READY
        if not words:
            chosen = store.get(*who)
            if chosen is None:
                return (
                    "You have no default scope: questions are answered for whatever they name. "
                    f"Set one with `/hakb scope vm-series aws 11.1`. {_covered(vocabulary.describe())}"
                )
            return f"Your default scope: {_scope_label(chosen, vocabulary)}. {SCOPE_HINT}"
        if words.lower() in {"clear", "none", "off", "reset"}:
            cleared = store.clear(*who)
            return "Default scope cleared." if cleared else "You had no default scope."
        try:
            chosen = ScopeChoice.parse(words, vocabulary)
            asked = chosen.resolve(vocabulary)
        except BadInput as exc:
            return f"Sorry, I could not read that scope: {exc}. For example: `/hakb scope vm-series aws 11.1`."
        if chosen.empty:
            return "Name a product, cloud, PAN-OS version or model, for example `/hakb scope vm-series aws 11.1`."
        store.set(*who, chosen)
        log.info("slack scope set user=%s scope=%r", who[1], chosen.label)
        uncovered = vocabulary.uncovered(asked)
        note = (
            f" The documents do not cover {', '.join(uncovered)}. {_covered(vocabulary.describe())}"
            if uncovered
            else ""
        )
        return f"Default scope set: {asked.label}. Your questions are answered for it.{note} {SCOPE_HINT}"

    def _default_scope(self, who: tuple[str, str] | None) -> QuestionScope | None:
        if self.deps.scopes is None or who is None:
            return None
        chosen = self.deps.scopes.get(*who)
        if chosen is None:
            return None
        try:
            return chosen.resolve(self.deps.engine().build.scope_vocabulary)
        except BadInput as exc:  # a build that no longer names it: answered without
            log.warning("slack default scope %r of %s unreadable: %s", chosen.label, who[1], exc)
            return None

    def _reply(
        self,
        question: str,
        context: str | None,
        *,
        share: bool = False,
        shared_by: str | None = None,
        who: tuple[str, str] | None = None,
    ) -> _Reply:
        """Always a message: an answer, help, or an apology. Never silence, never a raise."""
        started = time.perf_counter()
        if not question:
            return _Reply(blocks.notice(blocks.HELP), started=started)
        limit = self.deps.max_question_chars
        if len(question) > limit:
            return _Reply(
                blocks.notice(f"That question is {len(question)} characters long; please keep it under {limit}."),
                started=started,
            )
        try:
            scope = self._default_scope(who)
            answer = self.deps.engine().ask(question, context=context, scope=scope)
        except NotReady:
            log.warning("slack question while no build is loaded: %r", question[:120])
            return _Reply(blocks.notice(NOT_READY), started=started)
        except EngineError:
            log.exception("slack question while the engine is unavailable: %r", question[:120])
            return _Reply(blocks.notice(UNAVAILABLE), started=started)
        except Exception:
            log.exception("slack question failed: %r (context %r)", question[:120], (context or "")[:120])
            return _Reply(blocks.notice(APOLOGY), started=started)
        observe_answer(answer, channel="slack")
        message = blocks.answer_message(answer, share=share, shared_by=shared_by)
        if scope is not None:
            # Said before the buttons: the answer holds for the user's default, not for everyone.
            message.blocks.insert(-1, blocks.scope_note(scope.label))
        return _Reply(message, answer, started)

    def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        # Whatever escaped a listener (a failed post, a broken payload): logged with
        # its traceback; bolt answers Slack with 500.
        if isinstance(error, StateUnavailable):
            # No claim could be made: no reply (it might be a second one); Slack retries.
            log.warning("slack %s left to Slack's retry: %s", body.get("event_id") or body.get("type"), error)
            return
        log.error("slack listener failed on %s", body.get("type"), exc_info=error)


SCOPE_HINT = "`/hakb scope clear` removes it; `/hakb scope` shows it."


def _who(team: object, user: object) -> tuple[str, str] | None:
    """(team, user) of a signed request; None when it names no user."""
    return (str(team or ""), str(user)) if user else None


def _scope_label(chosen: ScopeChoice, vocabulary: Any) -> str:
    try:
        return chosen.resolve(vocabulary).label or chosen.label
    except BadInput:
        return chosen.label


def _covered(described: str) -> str:
    return f"The documents cover: {described}." if described else ""


def _drop_token_warning(record: logging.LogRecord) -> bool:
    # bolt also reads SLACK_BOT_TOKEN from the environment and warns that the
    # client's token wins; it is the same token, so the warning only misleads.
    return "`token` will be unused" not in record.getMessage()


_FOLLOW_UP_OPENER = re.compile(r"^(?:and|also|what about|how about|same (?:for|on|with))\b", re.IGNORECASE)


def _is_follow_up_question(text: str, repair: qparse.Repair | None = None) -> bool:
    """'and ha2?', 'what about encryption?': yes. 'thanks!', 'is this a known bug?': no.

    Only for thread messages that do not mention the bot: a mention or a DM is
    always answered, whatever it says."""
    if "?" not in text:
        return False
    if _FOLLOW_UP_OPENER.match(text.strip()):
        return True
    return any(q.subjects or q.attributes or q.platform or q.numbers or q.hexes for q in qparse.parse(text, repair))


def _not_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """The bot itself, another bot, or a message change that is no question."""
    if event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("bot_profile"):
        return True
    if bot_user_id and event.get("user") == bot_user_id:
        return True
    return event.get("subtype") not in _PERSON_SUBTYPES


def _payload(message: Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks}
