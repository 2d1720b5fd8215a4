"""Session fixtures of the checks' tests: one in-process engine per build, as tests/conftest.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import _engine


@pytest.fixture(scope="session")
def scoped_engine(scoped_data_dir: Path):  # type: ignore[no-untyped-def]  # the engine's module is imported lazily
    """The engine over the scoped build (several products and versions), loaded once."""
    return _engine(scoped_data_dir)
