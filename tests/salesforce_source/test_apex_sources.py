"""The offline Apex checker: the shipped source parses, and the checker really rejects broken files.

Needs ``npm ci --prefix salesforce`` first. Without node the tests skip locally and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SALESFORCE_DIR = Path(__file__).resolve().parents[2] / "salesforce"
CHECKER = SALESFORCE_DIR / "scripts" / "check-apex.mjs"
PARSER_PACKAGE = SALESFORCE_DIR / "node_modules" / "@apexdevtools" / "apex-parser" / "package.json"
SOURCE_DIR = SALESFORCE_DIR / "force-app" / "main" / "default"

CLASS_META = """<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>{version}</apiVersion>
    <status>Active</status>
</ApexClass>
"""


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("node is required in CI to check the Apex sources")
        pytest.skip("node is not installed")
    if not PARSER_PACKAGE.exists():
        pytest.fail("Apex parser not installed: run `npm ci --prefix salesforce` first")
    return path


def run_checker(node: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(CHECKER), *(str(path) for path in paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_class(folder: Path, name: str, source: str, version: str = "66.0") -> Path:
    path = folder / f"{name}.cls"
    path.write_text(source, encoding="utf-8")
    (folder / f"{name}.cls-meta.xml").write_text(CLASS_META.format(version=version), encoding="utf-8")
    return path


def test_shipped_sources_pass(node: str) -> None:
    apex_files = sorted(SOURCE_DIR.rglob("*.cls")) + sorted(SOURCE_DIR.rglob("*.trigger"))
    meta_files = sorted(SOURCE_DIR.rglob("*-meta.xml"))
    assert len(apex_files) >= 7

    result = run_checker(node)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"checked {len(apex_files)} Apex file(s) and {len(meta_files)} metadata file(s): 0 problem(s)"
        in result.stdout
    )


def test_valid_class_given_as_explicit_path_passes(node: str, tmp_path: Path) -> None:
    path = write_class(
        tmp_path, "Greeter", "public class Greeter {\n    public String hello() { return 'hi'; }\n}\n"
    )

    result = run_checker(node, path)

    assert result.returncode == 0, result.stderr
    assert "checked 1 Apex file(s)" in result.stdout


def test_syntax_error_is_reported_with_file_and_line(node: str, tmp_path: Path) -> None:
    path = write_class(
        tmp_path,
        "Broken",
        "public class Broken {\n    public void run() {\n        Integer total = ;\n    }\n}\n",
    )

    result = run_checker(node, path)

    assert result.returncode == 1
    assert "Broken.cls:3:" in result.stderr
    assert "1 problem(s)" in result.stdout


def test_broken_trigger_is_rejected(node: str, tmp_path: Path) -> None:
    trigger = tmp_path / "BrokenTrigger.trigger"
    trigger.write_text("trigger BrokenTrigger on Case (after update) {\n    for (Case c : Trigger.new {\n}\n")
    (tmp_path / "BrokenTrigger.trigger-meta.xml").write_text(
        CLASS_META.format(version="66.0").replace("ApexClass", "ApexTrigger")
    )

    result = run_checker(node, tmp_path)

    assert result.returncode == 1
    assert "BrokenTrigger.trigger:2:" in result.stderr


def test_class_name_must_match_file_name(node: str, tmp_path: Path) -> None:
    path = write_class(tmp_path, "Expected", "public class Actual {}\n")

    result = run_checker(node, path)

    assert result.returncode == 1
    assert "declares 'Actual'" in result.stderr


def test_wrong_api_version_and_missing_meta_are_rejected(node: str, tmp_path: Path) -> None:
    old = write_class(tmp_path, "OldVersion", "public class OldVersion {}\n", version="58.0")
    orphan = tmp_path / "NoMeta.cls"
    orphan.write_text("public class NoMeta {}\n")

    result = run_checker(node, old, orphan)
    whole_folder = run_checker(node, tmp_path)

    assert result.returncode == 1
    assert "OldVersion.cls-meta.xml:1:1: must declare <apiVersion>66.0</apiVersion>" in result.stderr
    assert "NoMeta.cls:1:1: missing NoMeta.cls-meta.xml" in result.stderr
    assert whole_folder.returncode == 1
    assert "OldVersion.cls-meta.xml:3:1: apiVersion 58.0 is not the project's 66.0" in whole_folder.stderr


def test_malformed_metadata_xml_is_rejected(node: str, tmp_path: Path) -> None:
    bad = tmp_path / "Broken__c.field-meta.xml"
    bad.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "    <label>Broken</label>\n"
        "    <type>Text</type>\n"
        "</CustomFld>\n"
    )

    result = run_checker(node, bad)

    assert result.returncode == 1
    assert "Broken__c.field-meta.xml:5:" in result.stderr
    assert "malformed XML" in result.stderr


def test_missing_path_is_a_usage_error(node: str, tmp_path: Path) -> None:
    result = run_checker(node, tmp_path / "absent")

    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
