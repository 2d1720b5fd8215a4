"""The Slack bot: a thin adapter that turns Slack events into `Engine.ask` calls and
`Answer`s into Block Kit messages.

    app.py      the slack-bolt App and its listeners (mentions, DMs, /hakb, buttons)
    blocks.py   Block Kit rendering of an Answer, button values
    dedupe.py   one reply per message, whatever Slack redelivers
    threads.py  which threads the bot answered, and each thread's first question
    cache.py    the bounded, expiring memory the two above are built on
"""
