"""Small pure helpers rules share to name root causes: URL and message normalisation."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


def url_key(url: str) -> str:
    """A URL without query and fragment: the same broken image with ?v=2 and ?v=3 is one fix."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def url_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path or "/" if parts.scheme else url


_UUID = re.compile(r"\b[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
# 8+ hex digits with at least one letter and one digit: ids and hashes, not words, not plain numbers.
_HEX_ID = re.compile(r"\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b")


def message_key(text: str) -> str:
    """A message with volatile parts (numbers, hex ids and UUIDs, URLs' queries) folded away."""
    text = re.sub(r"https?://\S+", lambda m: url_key(m.group(0)), text)
    text = re.sub(r"\b0x[0-9a-fA-F]+\b", "0x…", text)
    text = _UUID.sub("…", text)
    text = _HEX_ID.sub("…", text)
    text = re.sub(r"\d+", "N", text)
    return " ".join(text.split())[:300]


def short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
