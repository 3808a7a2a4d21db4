"""A Document as one self-contained HTML page: plots are embedded as data URIs,
so the file can be mailed or attached on its own."""
import base64
import html
import os
from functools import singledispatch

from .document import BulletList, Code, Figure, Heading, Italic, Paragraph, Power, Strong, Table

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f3f3f3}.MET{color:#080}.NOT{color:#b00}img{max-width:100%;border:1px solid #eee}
figure{margin:1.5em 0}figcaption{font-size:13px;color:#555}"""


def render(document, outdir):
    """outdir holds the figures' files."""
    head = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(document.title)}</title>"
            f"<style>{STYLE}</style></head><body>")
    return "\n".join([head, *(_block(b, outdir) for b in document.blocks), "</body></html>"])


def _inline(span):
    if isinstance(span, Strong):
        cls = f" class='{html.escape(span.css_class)}'" if span.css_class else ""
        return f"<b{cls}>{html.escape(span.text)}</b>"
    if isinstance(span, Italic):
        return f"<i>{html.escape(span.text)}</i>"
    if isinstance(span, Power):
        return f"{html.escape(span.base)}<sup>{html.escape(span.exponent)}</sup>"
    return html.escape(span)


@singledispatch
def _block(block, outdir):
    raise TypeError(f"no HTML for {type(block).__name__}")


@_block.register
def _(block: Heading, outdir):
    return f"<h{block.level}>{html.escape(block.text)}</h{block.level}>"


@_block.register
def _(block: Paragraph, outdir):
    style = " style='font-size:18px'" if block.lead else ""
    return f"<p{style}>" + "".join(_inline(s) for s in block.spans) + "</p>"


@_block.register
def _(block: Table, outdir):
    head = "".join(f"<th>{html.escape(c.title)}</th>" for c in block.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(row[c.key]))}</td>" for c in block.columns) + "</tr>"
                   for row in block.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@_block.register
def _(block: BulletList, outdir):
    items = "".join(f"<li>{html.escape(item.text)}<ul>" + "".join(f"<li>{html.escape(d)}</li>" for d in item.details)
                    + "</ul></li>" for item in block.items)
    return f"<ul>{items}</ul>"


@_block.register
def _(block: Code, outdir):
    return "<pre>" + html.escape("\n".join(block.lines)) + "</pre>"


@_block.register
def _(block: Figure, outdir):
    with open(os.path.join(outdir, block.file), "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    return (f"<figure><img alt='{html.escape(block.caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(block.caption)}</figcaption></figure>")
