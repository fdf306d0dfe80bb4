"""The package installs what the layout promises, and the shipped schema matches the model."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema

from newscrawl.record import json_schema, shipped_schema

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {"newscrawl"} | {
        f"newscrawl.{p.parent.name}" for p in (ROOT / "newscrawl").glob("*/__init__.py")
    }
    on_disk |= {"newscrawl.spiders", "newscrawl.pipelines", "newscrawl.fixtures"}
    assert on_disk == listed


def test_shipped_schema_equals_model_schema() -> None:
    # If this fails: python scripts/regen_schema.py
    assert shipped_schema() == json.loads(json.dumps(json_schema()))
    jsonschema.Draft202012Validator.check_schema(shipped_schema())


def test_schema_command_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "newscrawl", "schema"], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout)["title"] == "newscrawl article record"
