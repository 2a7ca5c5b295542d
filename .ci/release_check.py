"""Check that a release tag matches the package's version and has a changelog section.

``python .ci/release_check.py v1.2.3`` passes when ``chime_speaker_search/_version.py``
says ``1.2.3`` and CHANGELOG.md has a dated ``## [1.2.3] - YYYY-MM-DD`` section with
entries, below ``## [Unreleased]``. The release workflow (docs/development.md) runs it on
the tag before building what it publishes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TAG = re.compile(r"v(?P<version>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)")


def problems(tag: str, root: Path = ROOT) -> list[str]:
    """What is wrong with releasing ``tag`` from ``root`` (empty: nothing)."""
    match = _TAG.fullmatch(tag)
    if match is None:
        return [f"tag {tag!r} is not v<major>.<minor>.<patch> (optionally a/b/rc<n>)"]
    version = match["version"]
    found: list[str] = []
    source = (root / "chime_speaker_search" / "_version.py").read_text(encoding="utf-8")
    declared = re.search(r'__version__ = "([^"]+)"', source)
    if declared is None or declared[1] != version:
        found.append(
            f"chime_speaker_search/_version.py says {declared[1] if declared else None!r}, "
            f"the tag {version!r}"
        )
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    section = re.search(
        rf"^## \[{re.escape(version)}\] - \d{{4}}-\d\d-\d\d\n(?P<body>.*?)(?=^## |\Z)",
        changelog,
        re.MULTILINE | re.DOTALL,
    )
    if section is None:
        found.append(f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section")
    elif not re.search(r"^- ", section["body"], re.MULTILINE):
        found.append(f"CHANGELOG.md's section for {version} lists no change")
    unreleased = changelog.find("## [Unreleased]")
    if unreleased < 0 or (section is not None and unreleased > section.start()):
        found.append("CHANGELOG.md should keep an empty '## [Unreleased]' section above it")
    return found


def main(argv: list[str]) -> int:
    """Print each problem with the tag given; exit 1 if there is any."""
    if len(argv) != 1:
        print("usage: release_check.py vX.Y.Z", file=sys.stderr)
        return 2
    found = problems(argv[0])
    for problem in found:
        print(f"release-check: {problem}", file=sys.stderr)
    if not found:
        print(f"release-check: {argv[0]} is ready to release")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
