"""The documentation's examples: how to find them, and a runner for a bare machine.

A page's ```python blocks run in order in one namespace. A block followed by "prints"
and a ```text block must print exactly that. Blocks that need an AWS account say so
by using the names a reader fills in from their own account (``voice_connector_id``
and the like, :data:`PLACEHOLDERS`), or names such blocks defined; every other block
is an *offline* example, which must run as written on a machine with no AWS set-up.

Run as ``python -m tests.docs_examples PAGE...`` (from the project root, in an
environment with no AWS variables and an empty HOME), it runs each page's offline
blocks and prints one JSON object: each page's outcome.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import io
import json
import re
import sys
import traceback
from pathlib import Path
from typing import Any

import attrs

__all__ = ["FENCE", "PLACEHOLDERS", "ROOT", "Example", "examples", "main", "offline_examples"]

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(?P<lang>[\w{}-]*)[^\n]*\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
PLACEHOLDERS = {
    "voice_connector_id": "a1b2c3d4e5f6g7h8i9j0kl",
    "transaction_id": "8c6e037a-04f3-494b-acb7-b90c671477f3",
    "other_transaction_id": "5a1ca9b0-9243-49d8-b3cd-85640d6eb6c7",
    "voice_profile_domain_id": "44d96695-886f-49e8-aa50-7a9e066674a6",
    "speaker_search_task_id": "7f7e8a0c-0000-4000-8000-000000000001",
}
"""What the reader of a page fills in from their own account (values for type checks)."""


@attrs.frozen
class Example:
    """One ```python block, and the output the page says it prints (if it says)."""

    code: str
    prints: str | None
    line: int  # where the block starts on its page, for messages


def examples(text: str) -> list[Example]:
    """The page's python blocks, each with the output the page says it prints."""
    fences = list(FENCE.finditer(text))
    found = []
    for index, fence in enumerate(fences):
        if fence.group("lang") != "python":
            continue
        expected = None
        if index + 1 < len(fences):
            following = fences[index + 1]
            between = text[fence.end() : following.start()].strip()
            if between == "prints" and following.group("lang") == "text":
                expected = following.group("body")
        line = text.count("\n", 0, fence.start("body")) + 1
        found.append(Example(fence.group("body"), expected, line))
    return found


def _names(code: str) -> tuple[set[str], set[str]]:
    """(names the block reads and does not define, names it defines)."""
    tree = ast.parse(code)
    defined: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return read - defined - set(dir(builtins)), defined


def offline_examples(found: list[Example]) -> list[Example]:
    """The blocks that need no AWS account: they use no placeholder, directly or not."""
    account_names = set(PLACEHOLDERS)
    offline = []
    for example in found:
        free, defined = _names(example.code)
        if free & account_names:
            account_names |= defined
        else:
            offline.append(example)
    return offline


def _call_page_tests(namespace: dict[str, Any]) -> None:
    """Call the test functions a page defines, with the fixtures they name."""
    from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock  # noqa: PLC0415

    for name, value in list(namespace.items()):
        if not (name.startswith("test_") and inspect.isfunction(value)):
            continue
        # What the pytest plugin's fixtures are, made the same way.
        with (
            LocalSpeakerSearchService(clock=ManualClock()) as service,
            service.client() as client,
            contextlib.redirect_stdout(io.StringIO()),
        ):
            fixtures = {"speaker_search_service": service, "speaker_search_client": client}
            value(**{arg: fixtures[arg] for arg in inspect.signature(value).parameters})


def run_offline(page: Path) -> dict[str, Any]:
    """Run a page's offline blocks; return what happened, for the JSON report."""
    ran = 0
    namespace: dict[str, Any] = {"__name__": f"docs:{page.name}"}
    for example in offline_examples(examples(page.read_text(encoding="utf-8"))):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(example.code, str(page), "exec"), namespace)  # noqa: S102 (our docs)
        except Exception:
            return {"ran": ran, "error": f"block at line {example.line}:\n{traceback.format_exc()}"}
        ran += 1
        if example.prints is not None and out.getvalue() != example.prints:
            return {
                "ran": ran,
                "error": f"block at line {example.line} printed {out.getvalue()!r}, "
                f"the page says {example.prints!r}",
            }
    try:
        _call_page_tests(namespace)
    except Exception:
        return {"ran": ran, "error": f"a test the page defines failed:\n{traceback.format_exc()}"}
    return {"ran": ran, "error": None}


def main(pages: list[str]) -> int:
    """Run each page's offline blocks; print a JSON report keyed by page."""
    report = {page: run_offline(ROOT / page) for page in pages}
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
