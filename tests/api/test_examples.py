"""Every example the OpenAPI schema shows is a valid response of its route: an example that
drifts from the model it illustrates (a renamed field) misleads whoever copies it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from hakb.service.api.app import create_app
from hakb.settings import Settings


def _examples(operation: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    out = []
    for status, response in operation.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        content = response.get("content", {}).get("application/json", {})
        schema = content.get("schema")
        if schema is None:
            continue
        found = [content["example"]] if "example" in content else []
        found += [e["value"] for e in content.get("examples", {}).values() if "value" in e]
        out += [(status, example, schema) for example in found]
    return out


def test_every_json_example_is_valid_against_its_response_schema(tmp_path: Path) -> None:
    spec = create_app(Settings(HAKB_DATA_DIR=tmp_path, CHROMA_HOST=None)).openapi()
    checked, problems = 0, []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for status, example, schema in _examples(operation):
                validator = Draft202012Validator({**schema, "components": spec.get("components", {})})
                errors = sorted(validator.iter_errors(example), key=lambda e: list(e.path))
                problems += [f"{method.upper()} {path} {status}: {e.message} at {list(e.path)}" for e in errors[:3]]
                checked += 1
    assert checked >= 10, f"only {checked} examples found: the schema lost them"
    assert not problems, "\n".join(problems)
