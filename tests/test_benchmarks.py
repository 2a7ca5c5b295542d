"""The benchmarks run end to end: a smoke run with tiny counts, never timed assertions."""

from __future__ import annotations

import math

from benchmarks.run import SMOKE, render, run, table

MEASURES = ("1", "1", "2", "3", "4", "5", "5", "5", "5", "5", "6", "6", "6", "7", "7", "7", "7")


def test_smoke_run_reports_every_measure_with_a_usable_ratio() -> None:
    report = run(SMOKE)
    assert tuple(row.item for row in report.rows) == MEASURES
    for row in report.rows:
        assert row.typed
        assert row.raw
        assert row.target
        if row.item == "5":  # waiting is absolute: lag and Get calls against the policy
            assert row.ratio is None
            assert "Gets" in row.typed
            assert "Gets" in row.raw
        else:
            assert row.ratio is not None
            assert math.isfinite(row.ratio)
            assert row.ratio > 0
    assert [row.measure.split(",")[1].strip() for row in report.rows if row.item == "6"] == [
        "1 thread (median)",
        "8 threads (median)",
        "32 threads (median)",
    ]

    rendered = table(report)
    assert rendered.count("\n") == len(MEASURES) + 1  # header, rule, one line per row
    text = render(report, elapsed=1.0)
    assert rendered in text
    for name in ("Python 3.", "botocore ", "boto3 ", "chime-speaker-search ", "Date: "):
        assert name in text
    assert "max_pool_connections=32" in text
    waits = [row for row in report.rows if row.item == "7"]
    assert [row.measure.split(": ")[1].split(" (")[0] for row in waits] == [
        "RSS they add to the idle client's",
        "peak RSS of the process",
        "wall time",
        "peak threads",
    ]
    assert all("MB" in row.typed and "MB" in row.raw for row in waits[:2])
    threads = waits[3]
    assert int(threads.raw) > int(threads.typed)  # a thread per wait, against the one loop
    assert threads.met  # the async side stays within 40 threads even in the smoke run
