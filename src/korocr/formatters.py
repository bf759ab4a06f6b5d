"""Formatters: turn :class:`~korocr.io.elements.Page` results into output text."""

from __future__ import annotations

import json

from .io.elements import Page

FORMATS = ("text", "jsonl")


def format_text(page: Page) -> str:
    """The page's lines, one per line."""
    return page.text


def format_jsonl(page: Page) -> str:
    """One JSON object: ``{"image", "text", "confidence", "lines": [{"text", "confidence", "box"}]}``."""
    return json.dumps(page.to_dict(), ensure_ascii=False)


def format_page(page: Page, fmt: str) -> str:
    """Format with ``fmt`` in :data:`FORMATS`.

    Raises:
        ValueError: an unknown format.
    """
    if fmt == "text":
        return format_text(page)
    if fmt == "jsonl":
        return format_jsonl(page)
    raise ValueError(f"unknown format {fmt!r}; choose from {FORMATS}")
