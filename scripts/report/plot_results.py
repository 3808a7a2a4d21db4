"""What making one plot came to: a picture, or the reason there is none.

Two types, told apart by type (or by kind, for a reader that prefers a
field): the report lists drawn plots as figures and skipped ones in one line.
Kept apart from plots.py so the report's text needs no matplotlib.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Made:
    name: str
    file: str  # the PNG, relative to the report directory
    caption: str
    kind: str = "made"


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str  # why the run's points cannot make this plot
    kind: str = "skipped"

