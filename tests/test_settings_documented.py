"""Every environment variable hakb reads is documented in the README's configuration table."""

from __future__ import annotations

from pathlib import Path

from hakb.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    names = [field.alias for field in Settings.model_fields.values() if field.alias]
    assert names, "Settings declares no environment variables"
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, f"undocumented settings: {missing}"
