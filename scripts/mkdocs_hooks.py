"""MkDocs hooks (mkdocs.yml): the top-level README.md and DATA.md become the site's index.md
and data.md, and their repository-relative links become site links. Links to files that are
not pages (scenario files, results, sources) become plain code text naming the path, so that
`mkdocs build --strict` has nothing to warn about and the reader still sees where they are."""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"README.md": "index.md", "DATA.md": "data.md"}
LINK = re.compile(r"\[([^\]]+)\]\(([^)#\s]+)(#[^)\s]*)?\)")


def on_files(files, config):
    for src, dest in PAGES.items():
        text = (ROOT / src).read_text(encoding="utf-8")
        files.append(File.generated(config, dest, content=text))
    return files


def _site_link(target: str, docs: Path) -> str | None:
    """The page a repository-relative link from the top level points to, or None."""
    if re.match(r"[a-z]+:", target):
        return target  # http(s), mailto: unchanged
    if target in PAGES:
        return PAGES[target]
    if target.startswith("docs/") and (docs / target[5:]).is_file():
        return target[5:]
    return None


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri not in PAGES.values():
        return markdown
    docs = Path(config["docs_dir"])

    def sub(m):
        text, target, anchor = m.group(1), m.group(2), m.group(3) or ""
        site = _site_link(target, docs)
        if site is None:
            return f"{text} (`{target}`)"
        return f"[{text}]({site}{anchor})"

    return LINK.sub(sub, markdown)
