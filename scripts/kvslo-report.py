#!/usr/bin/env python3
"""Writes plots, report.md and a self-contained report.html from a kvslo results file.

Usage: kvslo-report.py RESULTS.json [--out DIR] [--baseline B.json]
Exit codes: 0 written; 2 bad input or an output path it may not replace,
1 the report could not be written (nothing written either way).
Needs matplotlib: run with an interpreter that has it (Debian: /usr/bin/python3
with python3-matplotlib); `kvslo report` finds one.

The output directory is replaced only when this script made it, as its
marker file says; anything else at that path (a user's directory, a file, a
symlink) is left alone.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from report.plot_results import Made, Skipped  # noqa: E402
from report.results import Results, ResultsError  # noqa: E402

MARKER = ".kvslo-report"
TOOL = "kvslo report"


class OutputPathError(Exception):
    pass


def _made_by_us(path):
    """True when path is a real directory (not a symlink) holding our marker file."""
    marker = os.path.join(path, MARKER)
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode) or not stat.S_ISREG(os.lstat(marker).st_mode):
            return False
        with open(marker, encoding="utf-8") as f:
            return json.loads(f.readline()).get("tool") == TOOL
    except (OSError, ValueError, AttributeError):
        return False


def _check_target(target):
    """Whether target holds an earlier report to replace; raises if it holds anything else."""
    if not os.path.lexists(target):
        return False
    if _made_by_us(target):
        return True
    raise OutputPathError(f"{target} exists and was not made by kvslo report (no {MARKER} marker); "
                          "nothing was written: choose another --out")


def _check_inputs_outside(target, inputs):
    """Replacing target must not delete the files the report is made from."""
    for path in inputs:
        if os.path.commonpath([os.path.realpath(target), os.path.realpath(path)]) == os.path.realpath(target):
            raise OutputPathError(f"{target} holds {path}, which the report reads; nothing was written: "
                                  "choose another --out")


def _write_marker(work, results_path, version):
    line = json.dumps({"tool": TOOL, "version": version,
                       "created_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "results": os.path.abspath(results_path)})
    with open(os.path.join(work, MARKER), "w", encoding="utf-8") as f:
        f.write(line + "\n")


def _write(results, baseline, work):
    """Writes the plots and both reports into work; returns the plots made or skipped."""
    from report import plots, render_html, render_markdown, sections  # matplotlib only once the input is known good

    made = plots.make_all(results, work, baseline)
    document = sections.build(results, made)  # once, for both renderings
    with open(os.path.join(work, "report.md"), "w", encoding="utf-8") as f:
        f.write(render_markdown.render(document))
    with open(os.path.join(work, "report.html"), "w", encoding="utf-8") as f:
        f.write(render_html.render(document, work))
    return made


def _install(work, target):
    """Moves the finished report in. An earlier report of ours is renamed aside
    first and removed only once the new one is in place, so a failure leaves
    one of the two, never neither."""
    if not _check_target(target):  # checked again: the path may have changed while plotting
        os.rename(work, target)
        return
    aside = tempfile.mkdtemp(prefix=".kvslo-report-old-", dir=os.path.dirname(target))
    os.rename(target, aside)  # onto the empty directory mkdtemp made
    try:
        os.rename(work, target)
    except BaseException:
        os.rename(aside, target)
        raise
    try:
        shutil.rmtree(aside)
    except OSError as e:  # the new report is in place; say what is left over
        print(f"kvslo report: the previous report, set aside at {aside}, could not be removed: {e}", file=sys.stderr)


def _build(results, baseline, target, results_path, version):
    """Writes the report into a temp dir beside target and moves it into place,
    so a failure never leaves a half-written report; the temp dir goes on any failure."""
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".kvslo-report-", dir=parent)
    try:
        made = _write(results, baseline, work)
        _write_marker(work, results_path, version)
        _install(work, target)
        return made
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _print_made(made, out):
    for p in made:
        if isinstance(p, Made):
            print(f"plot: {os.path.join(out, p.file)}")
        elif isinstance(p, Skipped):
            print(f"skipped {p.name}: {p.reason}")
    print(f"report: {os.path.join(out, 'report.md')}")
    print(f"report: {os.path.join(out, 'report.html')}")


def _terminated(signum, frame):
    # kvslo stops a report that runs too long with SIGTERM: unwind, so the
    # temporary directory is removed on the way out.
    raise SystemExit(128 + signum)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out", help="directory (default: the results path without .json)")
    parser.add_argument("--baseline", help="a second results file to compare against")
    parser.add_argument("--tool-version", default="unknown", help=argparse.SUPPRESS)  # kvslo's, for the marker
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _terminated)
    out = args.out or os.path.splitext(args.results)[0]
    target = os.path.abspath(out)
    try:
        results = Results(args.results)
        baseline = Results(args.baseline) if args.baseline else None
        _check_target(target)  # before the slow part, so a refusal is quick
        _check_inputs_outside(target, [p for p in (args.results, args.baseline) if p])
        made = _build(results, baseline, target, args.results, args.tool_version)
    except (ResultsError, OutputPathError) as e:
        print(f"kvslo report: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # e.g. a read-only or missing place for --out
        print(f"kvslo report: cannot write {target}: {e}; nothing was written", file=sys.stderr)
        return 1
    _print_made(made, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
