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
