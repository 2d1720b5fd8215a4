"""The Slack bot end to end: the real app under uvicorn, requests signed as Slack
signs them, and every reply read back from the recording stand-in for Slack.

With process_before_response, a reply is posted before the HTTP response returns,
so "no reply" can be asserted as soon as the request is done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from hakb.devserver import HakbServer
from hakb.service.feedback import FeedbackStore
from tests.conftest import make_data_dir
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, FakeSlack, new_ts, unique
from tests.slack.recorder import BOT_ID, BOT_USER_ID, SlackRecorder


def mention(
    channel: str, text: str, *, ts: str | None = None, thread_ts: str | None = None, user: str = "U0ASKER"
) -> dict:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts or new_ts(),
        "channel": channel,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    event["event_ts"] = event["ts"]
    return event


def message(
    channel: str, text: str, *, channel_type: str, ts: str | None = None, thread_ts: str | None = None, **extra: object
) -> dict:
    event = {
        "type": "message",
        "channel_type": channel_type,
        "user": "U0ASKER",
        "text": text,
        "ts": ts or new_ts(),
        "channel": channel,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    event["event_ts"] = event["ts"]
    return event


def block_texts(call_args: dict) -> str:
    """All text a person sees in a posted message's blocks, flattened."""
    return json.dumps(call_args.get("blocks"))


def test_a_mention_is_answered_once_in_its_thread_with_a_cited_answer(slack: FakeSlack) -> None:
    channel = unique("C")
    event = mention(channel, "what port does ha1 use?")
    started = time.perf_counter()
    response = slack.event(event)
    acked_in = time.perf_counter() - started

    assert response.status_code == 200
    assert acked_in < 3.0, "Slack gives up on an ack after 3 s"
    posts = slack.posts(channel)
    assert len(posts) == 1
    reply = posts[0].args
    assert reply["thread_ts"] == event["ts"]
    assert "28769" in reply["text"]
    blocks = block_texts(reply)
    assert "28769" in blocks
    # the source as a link, and the feedback buttons
    assert "<https://docs.paloaltonetworks.com/" in blocks
    assert "hakb_vote_helpful" in blocks and "hakb_vote_wrong" in blocks
    # the bot learned who it is from auth.test, as bolt does on the first event
    assert slack.recorder.find("auth.test")
    assert posts[0].headers["authorization"] == "Bearer xoxb-0000-test"


def test_the_same_event_delivered_three_times_gets_one_reply(slack: FakeSlack) -> None:
    channel = unique("C")
    event = mention(channel, "what port does ha2 use?")
    event_id = unique("Ev")
    first = slack.event(event, event_id=event_id)
    retries = [
        slack.event(
            event, event_id=event_id, headers={"x-slack-retry-num": str(n), "x-slack-retry-reason": "http_timeout"}
        )
        for n in (1, 2)
    ]
    assert [r.status_code for r in (first, *retries)] == [200, 200, 200]
    posts = slack.posts(channel)
    assert len(posts) == 1
    assert "29281" in posts[0].args["text"]


def test_one_message_delivered_as_message_and_app_mention_is_answered_once(slack: FakeSlack) -> None:
    # In a DM, a message naming the bot arrives as message.im and app_mention:
    # two event ids, one (channel, ts).
    channel, ts = unique("D"), new_ts()
    as_message = message(channel, f"<@{BOT_USER_ID}> what port does ha1 use?", channel_type="im", ts=ts)
    as_mention = mention(channel, "what port does ha1 use?", ts=ts)
    assert slack.event(as_message).status_code == 200
    assert slack.event(as_mention).status_code == 200
    assert len(slack.posts(channel)) == 1


def test_a_bad_signature_is_refused_and_not_answered(slack: FakeSlack) -> None:
    channel = unique("C")
    response = slack.event(mention(channel, "what port does ha1 use?"), secret="not-the-signing-secret")
    assert response.status_code == 401
    assert slack.posts(channel) == []


def test_a_request_older_than_five_minutes_is_refused(slack: FakeSlack) -> None:
    channel = unique("C")
    stale = str(int(time.time()) - 5 * 60 - 30)
    response = slack.event(mention(channel, "what port does ha1 use?"), timestamp=stale)
    assert response.status_code == 401
    assert slack.posts(channel) == []


def test_unsigned_and_malformed_requests_get_401_not_500(slack: FakeSlack) -> None:
    url = f"{slack.base_url}/slack/events"
    assert httpx.post(url, json={"type": "event_callback"}).status_code == 401
    garbled = httpx.post(
        url, content=b"\xff\xfe", headers={"x-slack-request-timestamp": "soon", "x-slack-signature": "v0=00"}
    )
    assert garbled.status_code == 401


def test_url_verification_is_answered_with_the_challenge(slack: FakeSlack) -> None:
    # What Slack sends once when the Events request URL is saved in the app settings.
    body = json.dumps(
        {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    )
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_the_slash_command_answers_privately_with_a_share_button(slack: FakeSlack) -> None:
    channel = unique("C")
    hook = unique("cmd")
    response = slack.command("what port does ha1 use?", channel=channel, response_url=slack.recorder.hook_url(hook))
    assert response.status_code == 200
    shown = response.json()  # what Slack shows the person who typed /hakb
    assert shown["response_type"] == "ephemeral"
    assert "28769" in shown["text"]
    share = [
        e for b in shown["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "hakb_share"
    ]
    assert share and share[0]["text"]["text"] == "Share in channel"
    assert slack.posts(channel) == [], "an ephemeral answer is not posted to the channel"

    # "Share in channel" posts the answer for everyone, saying who asked.
    clicked = slack.click(
        "hakb_share", share[0]["value"], channel=channel, user="U0ASKER", response_url=slack.recorder.hook_url(hook)
    )
    assert clicked.status_code == 200
    sent = slack.recorder.hooks(hook)
    shared = [c.args for c in sent if c.args.get("response_type") == "in_channel"]
    assert len(shared) == 1
    assert "28769" in shared[0]["text"]
    assert "<@U0ASKER> asked" in block_texts(shared[0])
    assert any(c.args.get("delete_original") for c in sent)


def test_an_empty_slash_command_gets_help(slack: FakeSlack) -> None:
    shown = slack.command("", channel=unique("C")).json()
    assert shown["response_type"] == "ephemeral"
    assert "/hakb" in shown["text"]


def test_a_feedback_click_stores_the_vote_and_thanks_the_user(slack: FakeSlack, slack_data_dir: Path) -> None:
    channel = unique("C")
    slack.event(mention(channel, "what is the ethertype of ha2?"))
    [post] = slack.posts(channel)
    buttons = [e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    wrong = next(e for e in buttons if e["action_id"] == "hakb_vote_wrong")
    assert len(wrong["value"]) <= 2000

    hook = unique("vote")
    voter = unique("U")
    clicked = slack.click(
        "hakb_vote_wrong", wrong["value"], channel=channel, user=voter, response_url=slack.recorder.hook_url(hook)
    )
    assert clicked.status_code == 200

    # Read back through the store (reading over HTTP needs an admin key).
    votes = FeedbackStore(slack_data_dir / "feedback.sqlite3").list(100)
    mine = [v.model_dump() for v in votes if v.user == voter]
    assert len(mine) == 1
    assert mine[0]["vote"] == "wrong"
    assert mine[0]["source"] == "slack"
    assert mine[0]["question"] == "what is the ethertype of ha2?"
    assert "0x7261" in mine[0]["answer"]
    assert mine[0]["build_id"]
    [thanks] = slack.recorder.hooks(hook)
    assert thanks.args["response_type"] == "ephemeral"
    assert "Thanks" in thanks.args["text"]


def test_the_bot_never_answers_itself_or_other_bots(slack: FakeSlack) -> None:
    channel = unique("D")
    own = message(channel, "HA1 port: TCP 28769", channel_type="im", user=BOT_USER_ID, bot_id=BOT_ID)
    other_bot = message(
        channel, "what port does ha1 use?", channel_type="im", subtype="bot_message", bot_id="B0OTHER", user=None
    )
    other_bot_mention = mention(channel, "what port does ha1 use?") | {"bot_id": "B0OTHER"}
    for event in (own, other_bot, other_bot_mention):
        assert slack.event(event).status_code == 200
    assert slack.posts(channel) == []


def test_a_direct_message_is_answered_in_the_conversation(slack: FakeSlack) -> None:
    channel = unique("D")
    assert slack.event(message(channel, "what port does ha2 use?", channel_type="im")).status_code == 200
    [post] = slack.posts(channel)
    assert "29281" in post.args["text"]
    assert post.args.get("thread_ts") is None  # a top-level DM gets a plain reply

    # A reply in the thread under the bot's answer keeps the subject of the question.
    slack.event(message(channel, "and ha1?", channel_type="im", thread_ts=post.response["ts"]))
    follow_up = slack.posts(channel)[1].args
    assert follow_up["thread_ts"] == post.response["ts"]
    assert "28769" in follow_up["text"]


def test_a_follow_up_in_the_thread_uses_the_threads_first_question(slack: FakeSlack) -> None:
    channel = unique("C")
    first = mention(channel, "what port does ha1 use?")
    slack.event(first)
    # No mention needed in a thread the bot answered; the subject comes from the thread.
    slack.event(message(channel, "and ha2?", channel_type="channel", thread_ts=first["ts"]))
    posts = slack.posts(channel)
    assert len(posts) == 2
    assert posts[1].args["thread_ts"] == first["ts"]
    assert "29281" in posts[1].args["text"]  # HA2's port: the thread asked about ports

    # People also talk to each other in that thread; that is not for the bot.
    for chatter in ("thanks!", "is this a known bug?", "we opened the port but it still fails"):
        slack.event(message(channel, chatter, channel_type="channel", thread_ts=first["ts"]))
    assert len(slack.posts(channel)) == 2

    # The same words with no thread behind them are about HA2 in general.
    dm = unique("D")
    slack.event(message(dm, "and ha2?", channel_type="im"))
    assert "29281" not in slack.posts(dm)[0].args["text"]


def test_a_mention_in_a_thread_the_bot_never_saw_reads_the_first_question_from_slack(slack: FakeSlack) -> None:
    channel, parent_ts = unique("C"), new_ts()
    slack.recorder.threads[(channel, parent_ts)] = [
        {
            "type": "message",
            "user": "U0OTHER",
            "ts": parent_ts,
            "text": "hey team, which port does ha1 use between the peers?",
        }
    ]
    slack.event(mention(channel, "and ha2?", thread_ts=parent_ts))
    assert slack.recorder.find("conversations.replies", channel=channel)
    [post] = slack.posts(channel)
    assert post.args["thread_ts"] == parent_ts
    assert "29281" in post.args["text"]


def test_channel_chatter_outside_the_bots_threads_is_left_alone(slack: FakeSlack) -> None:
    channel = unique("C")
    slack.event(message(channel, "what port does ha1 use?", channel_type="channel"))
    slack.event(message(channel, "and ha2?", channel_type="channel", thread_ts=new_ts()))
    assert slack.posts(channel) == []
    assert slack.recorder.find("conversations.replies", channel=channel) == []


def test_an_abstention_says_honestly_that_the_documentation_does_not_say(slack: FakeSlack) -> None:
    channel = unique("C")
    slack.event(mention(channel, "what is the airspeed velocity of an unladen swallow?"))
    [post] = slack.posts(channel)
    assert "The documentation does not say" in post.args["text"]
    assert "The documentation does not say" in block_texts(post.args)


def test_a_mention_with_no_question_gets_a_polite_prompt(slack: FakeSlack) -> None:
    channel = unique("C")
    event = mention(channel, "")
    slack.event(event)
    [post] = slack.posts(channel)
    assert post.args["thread_ts"] == event["ts"]
    assert "Ask me about PAN-OS" in post.args["text"]


def test_a_failed_post_is_left_to_slacks_retry_and_still_answered_once(slack: FakeSlack) -> None:
    channel = unique("C")
    event, event_id = mention(channel, "what port does ha1 use?"), unique("Ev")
    slack.recorder.failures["chat.postMessage"] = ["ratelimited"]
    first = slack.event(event, event_id=event_id)
    assert first.status_code == 500  # Slack will retry: the message was not answered
    retry = slack.event(
        event, event_id=event_id, headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_error"}
    )
    again = slack.event(
        event, event_id=event_id, headers={"x-slack-retry-num": "2", "x-slack-retry-reason": "http_error"}
    )
    assert (retry.status_code, again.status_code) == (200, 200)
    posts = slack.posts(channel)
    assert len(posts) == 2  # the refused attempt and the one that worked
    assert "28769" in posts[1].args["text"]


def test_with_no_documentation_loaded_the_bot_apologises_instead_of_staying_silent(
    slack_recorder: SlackRecorder, start_server: Callable[..., HakbServer], tmp_path: Path
) -> None:
    # A service started before its first build: the engine cannot answer at all.
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack_recorder.api_url,
    }
    server = start_server(make_data_dir(tmp_path / "no-build"), env, wait_ready=False)
    unready = FakeSlack(server.url, slack_recorder)
    channel = unique("C")
    assert unready.event(mention(channel, "what port does ha1 use?")).status_code == 200
    [post] = unready.posts(channel)
    assert post.args["text"].startswith("Sorry")
    assert "try again" in post.args["text"]
    slash = unready.command("what port does ha1 use?", channel=channel).json()
    assert slash["response_type"] == "ephemeral" and slash["text"].startswith("Sorry")
