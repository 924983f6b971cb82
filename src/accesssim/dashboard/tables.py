"""An HTML table in the page's style, in a box that scrolls sideways on a narrow screen.

Why a module of its own: the page and its panels draw their tables the same way.
"""

from __future__ import annotations

import html


def html_table(head: list[str], rows: list[list[str]], first_left=True, cls: str = "") -> str:
    th = "".join(
        f'<th style="text-align:{"left" if i == 0 and first_left else "right"};padding:3px 8px">'
        f"{html.escape(h)}</th>"
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{"left" if i == 0 and first_left else "right"};'
            f'padding:3px 8px;border-top:1px solid #ddd">{html.escape(v)}</td>'
            for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return (
        '<div class="table-scroll" tabindex="0">'
        f'<table class="{cls}" style="border-collapse:collapse;font-size:14px"><tr>{th}</tr>'
        f"{body}</table></div>"
    )
