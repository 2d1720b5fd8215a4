"""Model names as the documents and the questions write them: what a model is, and the
names a documented sentence may speak for it by."""

from __future__ import annotations

import pytest

from hakb.ingest import lexicon


@pytest.mark.parametrize(
    ("written", "model"),
    [
        ("pa3260", "PA-3260"),
        ("PA 5450 series", "PA-5450 Series"),
        ("vm-700 ha cluster", "VM-700"),  # a VM-Series model is a model too
        ("vm 16gb", None),  # a size, not a model
        ("vm-series on aws", None),  # the product, not a model
    ],
)
def test_a_model_is_read_as_written(written: str, model: str | None) -> None:
    assert lexicon.canonical_model(written) == model


def test_a_four_digit_family_number_speaks_for_its_models() -> None:
    # "The format ... on PA-7000, PA-5400, PA-5200, PA-3200 Series ... firewalls": the last
    # "Series" is every item's, so "PA-5400" there is the PA-5430's family.
    assert lexicon.family_candidates("PA-5430") == ["PA-5430", "PA-5430 Series", "PA-5400 Series", "PA-5400"]
    # A three-digit number was a model of its own (the PA-200): it speaks for no other.
    assert "PA-200" not in lexicon.family_candidates("PA-220")
    # A VM-Series model has no hardware family.
    assert lexicon.family_candidates("VM-300") == ["VM-300"]


def test_a_series_asked_speaks_for_the_names_of_its_bare_number() -> None:
    # The documents write "PA-7000b" in a list of families; a user asks of "PA-7000B Series".
    known = ["PA-7000B", "PA-7000", "PA-7000 Series", "PA-3200", "PA-3200 Series"]
    assert lexicon.resolve_platform("pa-7000b series", known) == ["PA-7000B", "PA-7000", "PA-7000 Series"]
    assert lexicon.resolve_platform("PA-3200 Series", known) == ["PA-3200 Series", "PA-3200"]
    assert lexicon.resolve_platform("PA-9000 Series", known) == []  # still nothing borrowed


def test_a_cli_prompt_s_host_name_is_no_platform_mention() -> None:
    # "admin@PA-6650# commit" is an example device's prompt: the step holds for any model.
    assert lexicon.platforms_in("admin@PA-6650# commit") == []
    assert lexicon.platforms_in("username@PA-6650> request high-availability state suspend") == []
    assert [p.name for p in lexicon.platforms_in("On PA-6650 firewalls, use the sprocket port.")] == ["PA-6650"]
