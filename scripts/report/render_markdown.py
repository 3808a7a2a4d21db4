"""A Document as Markdown: blocks separated by a blank line."""
from functools import singledispatch

from .document import BulletList, Code, Figure, Heading, Italic, Paragraph, Power, Strong, Table


def render(document):
    return "\n\n".join(text for text in (_block(b) for b in document.blocks) if text) + "\n"


def _inline(span):
    if isinstance(span, Strong):
        return f"**{span.text}**"
    if isinstance(span, Italic):
        return f"_{span.text}_"
    if isinstance(span, Power):
        return f"{span.base}^{span.exponent}"
    return span


@singledispatch
def _block(block):
    raise TypeError(f"no Markdown for {type(block).__name__}")


@_block.register
def _(block: Heading):
    return "#" * block.level + " " + block.text


@_block.register
def _(block: Paragraph):
    return "".join(_inline(s) for s in block.spans)


def _cell(text):
    return str(text).replace("|", "\\|")


@_block.register
def _(block: Table):
    lines = ["| " + " | ".join(c.title for c in block.columns) + " |", "|" + "---|" * len(block.columns)]
    lines += ["| " + " | ".join(_cell(row[c.key]) for c in block.columns) + " |" for row in block.rows]
    return "\n".join(lines)


@_block.register
def _(block: BulletList):
    lines = []
    for item in block.items:
        lines.append(f"- {item.text}")
        lines += [f"  - {d}" for d in item.details]
    return "\n".join(lines)


@_block.register
def _(block: Code):
    return "\n".join([f"```{block.language}", *block.lines, "```"])


@_block.register
def _(block: Figure):
    return f"![{block.caption}]({block.file})\n\n_{block.caption}_"
