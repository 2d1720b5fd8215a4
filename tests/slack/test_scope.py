"""`/hakb scope`: a default scope per user, set, shown and cleared with the slash command,
and every question of that user (slash command, mention, "Share in channel") answered in
it. Real signed requests to the real server; replies read from the recording stand-in.

The Slack server's build is the seed document: the firewall's admin guide, PAN-OS 11.1
and later. "vm-series aws 11.1" is a scope it does not cover, so a question asked in it
is an abstain that says what is covered, where the same question unscoped is answered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hakb.service.scope_choice import ScopeChoice
from hakb.service.slack.preferences import UserScopes
from hakb.service.state.sqlite import FILE_NAME, SqliteState
from tests.slack.conftest import FakeSlack, unique
from tests.slack.recorder import TEAM_ID
from tests.slack.test_bot import block_texts, mention

HA1 = "what port does ha1 use?"


def command(slack: FakeSlack, text: str, user: str) -> dict[str, Any]:
    response = slack.command(text, channel=unique("C"), user=user)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    assert shown["response_type"] == "ephemeral"
    return shown


def test_a_user_sets_shows_uses_and_clears_a_default_scope(slack: FakeSlack, slack_data_dir: Path) -> None:
    user, other = unique("U"), unique("U")
    assert "You have no default scope" in command(slack, "scope", user)["text"]
    assert "The documents cover: Next-Generation Firewall" in command(slack, "scope", user)["text"]

    set_ = command(slack, "scope vm-series aws 11.1", user)["text"]
    assert "Default scope set: VM-Series on AWS, PAN-OS 11.1" in set_
    assert "The documents do not cover VM-Series, AWS" in set_  # said at once, not at the first question
    assert "Your default scope: VM-Series on AWS, PAN-OS 11.1" in command(slack, "SCOPE", user)["text"]
    # Kept in the shared state (SQLite in the data dir), as the user wrote it: it outlives a restart.
    stored = UserScopes(SqliteState(slack_data_dir / FILE_NAME)).get(TEAM_ID, user)
    assert stored == ScopeChoice(product="vm-series", deployment="aws", version="11.1")

    # The user's questions are answered in it; another user's are not.
    mine = command(slack, HA1, user)
    assert "do not cover VM-Series" in block_texts(mine) and "28769" not in block_texts(mine)
    assert "Answered for your default scope: *VM-Series on AWS, PAN-OS 11.1*" in block_texts(mine)
    theirs = command(slack, HA1, other)
    assert "28769" in theirs["text"] and "default scope" not in block_texts(theirs)

    # A mention in a channel is answered in the asker's scope too.
    channel = unique("C")
    slack.event(mention(channel, HA1, user=user))
    posted = slack.posts(channel)
    assert len(posted) == 1 and "do not cover VM-Series" in block_texts(posted[0].args)
    assert "Answered for your default scope" in block_texts(posted[0].args)

    assert command(slack, "scope clear", user)["text"] == "Default scope cleared."
    assert command(slack, "scope clear", user)["text"] == "You had no default scope."
    after = command(slack, HA1, user)
    assert "28769" in after["text"] and "default scope" not in block_texts(after)


def test_a_covered_scope_still_answers_and_says_so(slack: FakeSlack) -> None:
    user = unique("U")
    set_ = command(slack, "scope Next-Generation Firewall on PAN-OS 11.1 PA-3260", user)["text"]
    assert "Default scope set: Next-Generation Firewall, PAN-OS 11.1, PA-3260" in set_
    assert "do not cover" not in set_
    shown = command(slack, HA1, user)
    assert "28769" in shown["text"]
    assert "Answered for your default scope: *Next-Generation Firewall, PAN-OS 11.1, PA-3260*" in block_texts(shown)


def test_a_scope_that_cannot_be_read_is_explained_and_not_stored(slack: FakeSlack) -> None:
    user = unique("U")
    shown = command(slack, "scope vm-series toaster", user)["text"]
    assert "could not read that scope" in shown and "'toaster' is not a product, deployment" in shown
    assert "/hakb scope vm-series aws 11.1" in shown
    assert "two deployments given" in command(slack, "scope aws azure", user)["text"]
    assert "You have no default scope" in command(slack, "scope", user)["text"]


def test_the_help_names_the_scope_command(slack: FakeSlack) -> None:
    shown = command(slack, "help", unique("U"))
    assert "/hakb scope vm-series aws 11.1" in shown["text"]
    assert "`/hakb scope clear`" in json.dumps(shown["blocks"])
