"""The same question gets the same answer in every process. Python salts string hashes per
process, so anything that ranks or picks in a set's order answers differently from one
worker to the next (a support engineer asking twice would get two answers). Each question
is asked in two processes with different hash seeds.

The questions are written for this test, not taken from the gold, test or sealed splits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

QUESTIONS = [
    "pa-5450 hsci-a backup?",
    "non-sysd ha1 ssh tunneled port?",
    "hsci-a backup on a pa-5430?",
    "hsci-b on a pa-7080 - what is it for?",
    "port for ha1 ssh tunneled traffic, not the sysd one?",
    "ha1 port without encryption, primary link?",
    "pa-3410 ha1 backup - which port?",
    "pa-5445 max members per ha cluster?",
    "which link carries session sync between the pair?",
    "ha2 keep-alive threshold range?",
    "pa-460 virtual mac format?",
    "pa-1420 hsci form factor?",
]

SCRIPT = """
import json, sys
from pathlib import Path
from hakb.service.engine import Engine
from hakb.settings import Settings
engine = Engine.from_settings(Settings(HAKB_DATA_DIR=Path(sys.argv[1]), CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None))
assert engine.holder.refresh(), engine.holder.problem
print(json.dumps([engine.ask(q).answer for q in json.loads(sys.argv[2])]))
"""


def _answers(data_dir: Path, seed: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(data_dir), json.dumps(QUESTIONS)],
        env={"PYTHONHASHSEED": seed, "ORT_DISABLE_TELEMETRY": "1", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers: list[str] = json.loads(done.stdout.splitlines()[-1])
    return answers


def test_every_process_gives_the_same_answers(corpus_data_dir: Path) -> None:
    first, *others = (_answers(corpus_data_dir, seed) for seed in ("1", "3", "5"))
    assert [a for a in first if not a.startswith("The documents do not say")], "the questions must be answered"
    for other in others:
        for question, one, again in zip(QUESTIONS, first, other, strict=True):
            assert one == again, question
