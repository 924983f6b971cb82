"""Words in output text: counts with their noun in the right number ("1 year", "5 years")."""

from __future__ import annotations


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` and the noun, singular for 1 (and -1): ``plural(1, "year")`` is "1 year",
    ``plural(3, "year")`` "3 years"; ``nouns`` for an irregular plural."""
    return f"{n} {noun if abs(n) == 1 else (nouns or noun + 's')}"
