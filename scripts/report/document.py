"""The report as neutral blocks, built once and rendered as Markdown and as HTML.

Sections (sections.py) say what the report holds; the renderers
(render_markdown.py, render_html.py) say only how each block looks.
"""
from dataclasses import dataclass
from typing import Tuple, Union


# Inline text: a paragraph is a tuple of plain strings and these.
@dataclass(frozen=True)
class Strong:
    text: str
    css_class: str = ""  # HTML only: the verdict's colour


@dataclass(frozen=True)
class Italic:
    text: str


@dataclass(frozen=True)
class Power:
    """base to the power exponent, e.g. 10^9."""
    base: str
    exponent: str


Inline = Union[str, Strong, Italic, Power]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 for the title, 2 for a section


@dataclass(frozen=True)
class Paragraph:
    spans: Tuple[Inline, ...]
    lead: bool = False  # the verdict: larger in HTML


def paragraph(*spans, lead=False):
    return Paragraph(tuple(spans), lead)


@dataclass(frozen=True)
class Column:
    key: str  # the row field this column shows
    title: str


@dataclass(frozen=True)
class Table:
    columns: Tuple[Column, ...]
    rows: Tuple[dict, ...]  # each row maps every column key to its text


def table(columns, rows):
    """columns: (key, title) pairs."""
    return Table(tuple(Column(k, t) for k, t in columns), tuple(rows))


@dataclass(frozen=True)
class ListItem:
    text: str
    details: Tuple[str, ...] = ()  # one nested level


@dataclass(frozen=True)
class BulletList:
    items: Tuple[ListItem, ...]


@dataclass(frozen=True)
class Code:
    lines: Tuple[str, ...]
    language: str = ""


@dataclass(frozen=True)
class Figure:
    file: str  # a PNG relative to the report directory
    caption: str


Block = Union[Heading, Paragraph, Table, BulletList, Code, Figure]


@dataclass(frozen=True)
class Document:
    title: str
    blocks: Tuple[Block, ...]
