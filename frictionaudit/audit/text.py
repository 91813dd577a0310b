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


def message_key(text: str) -> str:
    """A message with volatile parts (numbers, hex ids, quoted values, URLs' queries) folded away."""
    text = re.sub(r"https?://\S+", lambda m: url_key(m.group(0)), text)
    text = re.sub(r"\b0x[0-9a-fA-F]+\b", "0x…", text)
    text = re.sub(r"\b[0-9a-fA-F]{8,}\b", "…", text)
    text = re.sub(r"\d+", "N", text)
    return " ".join(text.split())[:300]


def short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
