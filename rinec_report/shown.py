"""How a message says that a list was cut: "3 of 14 shown", the same words everywhere,
so that a reader always knows how many were not named."""

from __future__ import annotations


def shown_of(shown: int, total: int) -> str:
    """``"3 of 14 shown"``."""
    return f"{shown:,} of {total:,} shown"


__all__ = ["shown_of"]
