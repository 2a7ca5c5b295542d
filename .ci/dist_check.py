"""Check what a release would ship: build it, install it, run it, test it.

1. Build the sdist and, from it, the wheel (``python -m build``).
2. Check their contents: the sdist carries everything its own tests need (tests,
   docs, benchmarks, the licence); the wheel carries the package and the licence only.
3. In a new venv with nothing but the wheel and its runtime dependencies, run
   ``chime-speaker-search demo`` with no AWS set-up (no AWS variables, an empty HOME).
4. Unpack the sdist and, with this venv's tools, importing the unpacked package (not
   this checkout): collect the whole test suite (every test module imports, every
   parametrisation resolves), then run the tests that read what lies beside the package
   (:data:`SDIST_TESTS`: the docs and their examples, the benchmarks, the event
   fixtures, the command line run as a subprocess, the packaging checks). ``--full``
   runs the whole suite instead (about two minutes more; `make test` has just run it
   from the checkout).

Steps 3 and 4 run side by side. Run from the project root: ``python .ci/dist_check.py``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "chime_speaker_search"
PROG = "chime-speaker-search"

# What the sdist must carry for its own tests and docs build, and what the wheel must not.
SDIST_NEEDS = (
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "pyproject.toml",
    "chime_speaker_search/py.typed",
    "chime_speaker_search/_cli/__init__.py",
    "tests/conftest.py",
    "tests/fixtures/events/README.md",
    "tests/typing/api.py",
    "docs/conf.py",
    "benchmarks/run.py",
    "benchmarks/RESULTS.md",
    "benchmarks/demo_setup.py",
    ".ci/dist_check.py",
    ".ci/release_check.py",
)
WHEEL_NEEDS = ("chime_speaker_search/py.typed", "chime_speaker_search/_cli/_main.py")
# The tests that use files beside the package: the ones an incomplete sdist breaks.
SDIST_TESTS = (
    "tests/test_docs.py",
    "tests/test_benchmarks.py",
    "tests/test_events_docs.py",
    "tests/test_packaging.py",
    "tests/test_cli.py",
    "tests/test_cli_adversarial.py",
)


def _step(text: str) -> None:
    print(f"==> {text}", flush=True)


def _run(argv: list[str]) -> None:
    print("$ " + shlex.join(argv), flush=True)
    subprocess.run(argv, check=True)


def build(out: Path) -> tuple[Path, Path]:
    """Build the sdist, then the wheel from it; return their paths."""
    _step("building the sdist, then the wheel from it")
    # No isolation: the build backend (hatchling) is one of the dev tools, so nothing is
    # fetched for it; building the wheel from the sdist is what proves the sdist builds.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)])
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def check_contents(sdist: Path, wheel: Path) -> None:
    """Fail unless each archive carries what it must (and the wheel no tests)."""
    _step("checking what the sdist and the wheel carry")
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    missing = [name for name in SDIST_NEEDS if name not in names]
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = set(archive.namelist())
    missing += [f"wheel: {name}" for name in WHEEL_NEEDS if name not in wheel_names]
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel_names):
        missing.append("wheel: the LICENSE in its .dist-info")
    shipped_tests = sorted(name for name in wheel_names if name.startswith(("tests/", "docs/")))
    if missing or shipped_tests:
        sys.exit(f"dist-check: missing {missing}; the wheel should not ship {shipped_tests}")
    print(f"sdist: {len(names)} files; wheel: {len(wheel_names)} files", flush=True)


def bare_environment(home: Path) -> dict[str, str]:
    """A new machine's environment: no AWS variables, an empty HOME."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }


def demo_from_wheel(wheel: Path, work: Path) -> subprocess.Popen[bytes]:
    """Start: a new venv, the wheel installed in it, its demo run. Returns the process."""
    venv = work / "venv"
    home = work / "home"
    home.mkdir()
    python, command = shlex.quote(str(venv / "bin" / "python")), str(venv / "bin" / PROG)
    script = (
        f"set -eux; {shlex.quote(sys.executable)} -m venv {shlex.quote(str(venv))}; "
        f"{python} -m pip install {shlex.quote(str(wheel))}; "
        f"cd {shlex.quote(str(home))}; {shlex.quote(command)} demo"
    )
    # PIP_* say where packages come from, as for every install here.
    pip = {name: value for name, value in os.environ.items() if name.startswith("PIP_")}
    environment = {**bare_environment(home), **pip}
    log = (work / "demo.log").open("wb")
    return subprocess.Popen(
        ["/bin/sh", "-c", script], stdout=log, stderr=subprocess.STDOUT, env=environment
    )


def tests_from_sdist(sdist: Path, work: Path, *, full: bool) -> subprocess.Popen[bytes]:
    """Start: the sdist unpacked, its tests run against its own package. Returns the process."""
    with tarfile.open(sdist) as archive:
        archive.extractall(work, filter="data")
        source = work / archive.getnames()[0].split("/")[0]
    # `python -m pytest` puts the current directory first on sys.path, ahead of this
    # checkout's editable install: the tests import the unpacked package. The first test
    # session line below proves it.
    probe = f"import {NAME}; print('testing', {NAME}.__file__)"
    log = (work / "tests.log").open("wb")
    python = shlex.quote(sys.executable)
    pytest = f"{python} -m pytest -p no:cacheprovider -q"
    run = (
        f"{pytest} -x"
        if full
        else f"{pytest}q --collect-only && {pytest} -x {shlex.join(SDIST_TESTS)}"
    )
    command = f"{python} -c {shlex.quote(probe)} && {run}"
    return subprocess.Popen(
        ["/bin/sh", "-c", command], cwd=source, stdout=log, stderr=subprocess.STDOUT
    )


def main(argv: list[str] | None = None) -> int:
    """Run the check; exit non-zero on the first failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="run the whole test suite from the sdist"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dist-check-") as temporary:
        work = Path(temporary)
        sdist, wheel = build(work / "dist")
        check_contents(sdist, wheel)
        (work / "wheel").mkdir()
        (work / "sdist").mkdir()
        _step("demo from the wheel in a clean venv | tests from the unpacked sdist (in parallel)")
        demo = demo_from_wheel(wheel, work / "wheel")
        tests = tests_from_sdist(sdist, work / "sdist", full=args.full)
        failed = []
        for name, process, log in (
            ("demo from the wheel", demo, work / "wheel" / "demo.log"),
            ("tests from the sdist", tests, work / "sdist" / "tests.log"),
        ):
            code = process.wait()
            output = log.read_text(errors="replace")
            print(f"--- {name} (exit {code}) ---", flush=True)
            print(output if code else "\n".join(output.splitlines()[-12:]), flush=True)
            if code:
                failed.append(name)
        if "Status:     SUCCEEDED" not in (work / "wheel" / "demo.log").read_text():
            failed.append("the demo's result")
        tested = (work / "sdist" / "tests.log").read_text().splitlines()[0]
        if not tested.startswith("testing ") or str(work / "sdist") not in tested:
            failed.append(f"the tests imported the wrong package ({tested})")
    elapsed = time.monotonic() - started
    if failed:
        print(f"dist-check FAILED ({', '.join(failed)}) after {elapsed:.0f}s", flush=True)
        return 1
    print(f"dist-check passed in {elapsed:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
