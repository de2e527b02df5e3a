"""The published documents in openapi/ are what the code exports, and they hold together."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from typer.testing import CliRunner

from contract.endpoints import ALL_ENDPOINTS, SIGNED
from contract.errors import CATALOGUE, Surface
from reference_server.openapi_export import (
    ERRORS_FILE,
    GOVERNMENT_FILE,
    JSON_SCHEMA_DIALECT,
    OPENAPI_FILE,
    REGENERATE,
    SCHEMAS_DIR,
    SURFACES,
    app_document,
    differences,
    export_cmd,
    exported_files,
    message_models,
)

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"
ENVELOPE_SCHEMA_FILES = {
    Surface.INTEGRATION.value: "ErrorEnvelope.json",
    Surface.SSO.value: "SsoErrorEnvelope.json",
}
MAX_DIFF_LINES = 40


@pytest.fixture(scope="module")
def exported() -> dict[str, str]:
    """Every published file as the code exports it now."""
    return exported_files()


@pytest.fixture(scope="module")
def document(exported: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI document as exported (the one the app serves at /openapi.json)."""
    parsed: dict[str, Any] = json.loads(exported[OPENAPI_FILE])
    return parsed


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    """The whole document the app serves at /openapi.json (every surface)."""
    return app_document()


def _committed_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (OPENAPI_DIR / SCHEMAS_DIR / name).read_text(encoding="utf-8")
    )
    return schema


def _validator(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Draft202012Validator:
    """A validator for ``schema``; refs of an OpenAPI document resolve against ``root``."""
    if root is not None:
        schema = {
            "$schema": JSON_SCHEMA_DIALECT,
            "components": root.get("components", {}),
            **schema,
        }
    return Draft202012Validator(schema)


def test_committed_documents_match_the_code(exported: dict[str, str]) -> None:
    found = differences(OPENAPI_DIR, exported)
    if not found:
        return
    lines = [f"{len(found)} file(s) under openapi/ disagree with the code:"]
    lines += [f"  {item.describe(OPENAPI_DIR)}" for item in found]
    for item in found:
        if item.diff:
            diff = item.diff.splitlines()
            more = len(diff) - MAX_DIFF_LINES
            lines += ["", *diff[:MAX_DIFF_LINES], *([f"... {more} more lines"] if more > 0 else [])]
    lines += ["", f"Regenerate with: {REGENERATE}  (then commit openapi/)"]
    pytest.fail("\n".join(lines), pytrace=False)


def test_every_committed_json_schema_is_a_valid_draft_2020_12_schema() -> None:
    files = sorted((OPENAPI_DIR / SCHEMAS_DIR).glob("*.json"))
    assert {f.stem for f in files} == set(message_models()), (
        f"openapi/{SCHEMAS_DIR} is stale: {REGENERATE}"
    )
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema.get("$schema") == JSON_SCHEMA_DIALECT, path.name
        Draft202012Validator.check_schema(schema)
    errors_document = json.loads((OPENAPI_DIR / ERRORS_FILE).read_text(encoding="utf-8"))
    for schema in errors_document["envelopes"].values():
        Draft202012Validator.check_schema(schema)


def test_every_catalogued_error_is_in_the_exported_document(document: dict[str, Any]) -> None:
    listed = [entry["code"] for entry in document["x-error-catalogue"]]
    assert listed == list(CATALOGUE)
    description = document["info"]["description"]
    missing = [code for code in CATALOGUE if f"`{code}`" not in description]
    assert not missing, f"error codes missing from info.description: {missing}"


def test_each_surface_document_holds_its_own_paths_and_every_path_is_in_one(
    exported: dict[str, str], served: dict[str, Any]
) -> None:
    placed: dict[str, str] = {}
    for name in (OPENAPI_FILE, *SURFACES):
        surface = json.loads(exported[name])
        for path in surface["paths"]:
            assert path not in placed, f"{path} is in {placed[path]} and {name}"
            placed[path] = name
        # Every reference resolves inside the surface's own document.
        text = json.dumps(surface)
        for ref in {
            part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]
        }:
            assert ref in surface["components"]["schemas"], f"{name}: dangling $ref {ref}"
    assert set(placed) == set(served["paths"])
    for name, (_, _, prefixes) in SURFACES.items():
        assert all(p.startswith(prefixes) for p, where in placed.items() if where == name)
    government = json.loads(exported[GOVERNMENT_FILE])
    assert len(government["paths"]) == 4
    for item in government["paths"].values():
        schema = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema["$ref"].rsplit("/", 1)[1] in government["components"]["schemas"]


def test_each_mounted_operation_documents_its_catalogued_errors(served: dict[str, Any]) -> None:
    """Every error the endpoint catalogue names for an operation is an example of its responses."""
    document = served
    for endpoint in ALL_ENDPOINTS:
        operation = document["paths"].get(endpoint.path, {}).get(endpoint.method.lower())
        if operation is None:  # not mounted in this build
            continue
        documented = {
            code
            for response in operation["responses"].values()
            for code in response.get("content", {}).get("application/json", {}).get("examples", {})
        }
        expected = {e.code for e in endpoint.errors + (SIGNED if endpoint.role else ())}
        assert expected <= documented, (
            f"{endpoint.path} does not document {sorted(expected - documented)}"
        )


def test_every_catalogue_example_is_a_valid_error_envelope(
    exported: dict[str, str], document: dict[str, Any]
) -> None:
    envelopes = {
        surface: _validator(_committed_schema(name))
        for surface, name in ENVELOPE_SCHEMA_FILES.items()
    }
    errors_document = json.loads(exported[ERRORS_FILE])
    for entries in (document["x-error-catalogue"], errors_document["errors"]):
        assert len(entries) == len(CATALOGUE)
        for entry in entries:
            example = entry["example"]
            envelopes[entry["surface"]].validate(example)
            assert (example["code"], example["message"]) == (entry["code"], entry["message"])
            assert example["success"] is False
    for surface, schema in errors_document["envelopes"].items():
        assert schema == _committed_schema(ENVELOPE_SCHEMA_FILES[surface])


def test_every_response_example_matches_its_response_schema(document: dict[str, Any]) -> None:
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json", {})
                if "schema" not in content:
                    continue
                validator = _validator(content["schema"], document)
                for name, example in content.get("examples", {}).items():
                    errors = [e.message for e in validator.iter_errors(example["value"])]
                    assert not errors, f"{method.upper()} {path} {status} example {name}: {errors}"
                    checked += 1
    mounted = any(path.startswith("/api/v1/integration/") for path in document["paths"])
    assert checked or not mounted, (
        "integration operations are mounted but document no error examples"
    )


def test_export_command_checks_writes_and_prunes(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(export_cmd)
    runner = CliRunner()
    out = ["--out-dir", str(tmp_path)]

    missing = runner.invoke(app, ["--check", *out])
    assert missing.exit_code == 1
    assert OPENAPI_FILE in missing.output and REGENERATE in missing.output

    assert runner.invoke(app, out).exit_code == 0
    assert runner.invoke(app, ["--check", *out]).exit_code == 0
    assert (tmp_path / ERRORS_FILE).read_text(encoding="utf-8").endswith("}\n")

    stale = tmp_path / SCHEMAS_DIR / "Retired.json"
    stale.write_text("{}\n", encoding="utf-8")
    (tmp_path / ERRORS_FILE).write_text("{}\n", encoding="utf-8")
    changed = runner.invoke(app, ["--check", *out])
    assert changed.exit_code == 1
    assert "Retired.json" in changed.output and ERRORS_FILE in changed.output
    assert runner.invoke(app, out).exit_code == 0
    assert not stale.exists()
    assert runner.invoke(app, ["--check", *out]).exit_code == 0
