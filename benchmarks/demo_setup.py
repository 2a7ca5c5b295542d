"""How long a new user waits for ``make demo``, against the least it could take.

Measured in one run, on this machine, from the same package sources:

- **bare**: a new venv and the runtime dependencies installed into it, nothing else
  (``python3 -m venv`` + ``pip install boto3 botocore attrs cattrs tenacity``), the
  floor for anything that runs the library;
- **make demo**: a fresh ``git clone`` of this repository's HEAD, then ``make demo``
  (a venv with the runtime dependencies and the package, and the demo itself).

Prints both and their ratio; the target is at most 1.6. An untimed install first warms
the operating system's file cache, so neither side pays for the first read of the
wheels. Run with ``python -m benchmarks.demo_setup`` (``make demo-setup``).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.6


def runtime_requirements() -> list[str]:
    """The package's runtime dependencies, as its metadata lists them (no extras)."""
    requires = importlib.metadata.requires("chime-speaker-search") or []
    return sorted(req for req in requires if "extra ==" not in req)


def _timed(argv: list[str], *, cwd: Path, log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - started


def bare_install(work: Path, python: str, log: Path) -> float:
    """Seconds to make a venv and install the runtime dependencies into it."""
    venv = work / "bare-venv"
    shutil.rmtree(venv, ignore_errors=True)
    return _timed([python, "-m", "venv", str(venv)], cwd=work, log=log) + _timed(
        [str(venv / "bin" / "python"), "-m", "pip", "install", *runtime_requirements()],
        cwd=work,
        log=log,
    )


def make_demo(work: Path, python: str, log: Path) -> float:
    """Seconds for ``make demo`` in a fresh clone (the clone itself is not timed)."""
    clone = work / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(
        ["git", "clone", "--quiet", str(ROOT), str(clone)],  # noqa: S607 (git from PATH)
        check=True,
    )
    return _timed(["make", "demo", f"PYTHON={python}"], cwd=clone, log=log)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the figures and the ratio; exit 1 above the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="measure each this many times")
    parser.add_argument(
        "--python", default="python3", help="the interpreter both sides use (default: python3)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="demo-setup-") as temporary:
        work = Path(temporary)
        log = work / "log.txt"
        print(f"runtime dependencies: {', '.join(runtime_requirements())}", flush=True)
        print("warming the file cache (untimed install)...", flush=True)
        bare_install(work, args.python, log)
        bare: list[float] = []
        demo: list[float] = []
        for round_ in range(1, args.rounds + 1):
            bare.append(bare_install(work, args.python, log))
            demo.append(make_demo(work, args.python, log))
            print(f"round {round_}: bare {bare[-1]:.1f}s, make demo {demo[-1]:.1f}s", flush=True)
        shown = re.search(r"^Status: +(\S+)$", log.read_text(errors="replace"), re.MULTILINE)
        if shown is None or shown[1] != "SUCCEEDED":
            print("make demo did not print a SUCCEEDED task", file=sys.stderr)
            return 1
    ratio = statistics.median(demo) / statistics.median(bare)
    print(
        f"bare runtime install {statistics.median(bare):.1f}s; fresh-clone make demo "
        f"{statistics.median(demo):.1f}s; ratio {ratio:.2f} (target <= {TARGET})"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
