#!/usr/bin/env python3
"""Writes plots, report.md and a self-contained report.html from a kvslo results file.

Usage: kvslo-report.py RESULTS.json [--out DIR] [--baseline B.json]
Exit codes: 0 written; 2 bad input (nothing written).
Needs matplotlib: run with an interpreter that has it (Debian: /usr/bin/python3
with python3-matplotlib); `kvslo report` finds one.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from report.results import Results, ResultsError  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out", help="directory (default: the results path without .json)")
    parser.add_argument("--baseline", help="a second results file to compare against")
    args = parser.parse_args()
    try:
        results = Results(args.results)
        baseline = Results(args.baseline) if args.baseline else None
    except ResultsError as e:
        print(f"kvslo report: {e}", file=sys.stderr)
        return 2
    from report import plots, render  # matplotlib only once the input is known good

    out = args.out or os.path.splitext(args.results)[0]
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    # Everything is written into a temp dir beside the target and moved into
    # place at the end, so a failure never leaves a half-written report.
    work = tempfile.mkdtemp(prefix=".kvslo-report-", dir=parent)
    try:
        made = plots.make_all(results, work, baseline)
        with open(os.path.join(work, "report.md"), "w", encoding="utf-8") as f:
            f.write(render.markdown(results, made))
        with open(os.path.join(work, "report.html"), "w", encoding="utf-8") as f:
            f.write(render.html_report(results, made, work))
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.rename(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for p in made:
        if hasattr(p, "file"):
            print(f"plot: {os.path.join(out, p.file)}")
        else:
            print(f"skipped {p.name}: {p.reason}")
    print(f"report: {os.path.join(out, 'report.md')}")
    print(f"report: {os.path.join(out, 'report.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
