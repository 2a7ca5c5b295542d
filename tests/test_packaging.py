"""Releasing: the tag check, what the demo installs, what the sdist must carry."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from benchmarks.demo_setup import runtime_requirements

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def script(name: str) -> ModuleType:
    """A script of .ci/ (not a package), imported by path."""
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHANGELOG = """\
# Changelog

## [Unreleased]

## [1.2.0] - 2026-03-01

### Added
- Something.

## [1.1.0] - 2026-01-01

### Fixed
- Something else.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "chime_speaker_search").mkdir()
    (tmp_path / "chime_speaker_search" / "_version.py").write_text('__version__ = "1.2.0"\n')
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG)
    return tmp_path


def test_release_check_passes_a_tag_matching_the_version_and_a_changelog_section(
    project: Path,
) -> None:
    assert script("release_check").problems("v1.2.0", project) == []


@pytest.mark.parametrize(
    ("tag", "problem"),
    [
        ("1.2.0", "is not v<major>.<minor>.<patch>"),
        ("v1.3.0", "_version.py says '1.2.0', the tag '1.3.0'"),
        ("v1.3.0", "has no '## [1.3.0] - YYYY-MM-DD' section"),
    ],
)
def test_release_check_names_what_is_wrong(project: Path, tag: str, problem: str) -> None:
    found = script("release_check").problems(tag, project)
    assert any(problem in line for line in found), found


def test_release_check_wants_entries_and_an_unreleased_section_above(project: Path) -> None:
    (project / "CHANGELOG.md").write_text("# Changelog\n\n## [1.2.0] - 2026-03-01\n\n")
    found = script("release_check").problems("v1.2.0", project)
    assert found == [
        "CHANGELOG.md's section for 1.2.0 lists no change",
        "CHANGELOG.md should keep an empty '## [Unreleased]' section above it",
    ]


def test_the_demo_setup_installs_the_five_runtime_dependencies_only() -> None:
    names = {re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0].lower() for req in runtime_requirements()}
    assert names == {"attrs", "boto3", "botocore", "cattrs", "tenacity"}


def test_what_the_sdist_must_carry_exists() -> None:
    needs = script("dist_check").SDIST_NEEDS
    assert "benchmarks/RESULTS.md" in needs  # the docs build reads it
    assert [name for name in needs if not (ROOT / name).exists()] == []


def test_the_licence_is_the_apache_license_2() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
