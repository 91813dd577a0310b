"""Small pure helpers rules share to name root causes: URL and message normalisation, sites."""

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


# Second-level labels under a two-letter country code that are not a site of their own (co.uk,
# com.au, org.nz...). Without a public suffix list, a host under an unknown one is cut at two labels:
# two sites under it then look like one site (the safe side: nothing is called third party wrongly).
_SHARED_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go", "gv", "nic"}


def site_of(url: str) -> str:
    """The site of a URL's host (``api.nordlys.no`` → ``nordlys.no``), as browsers group cookies.

    IP addresses and single-label hosts (``localhost``) are their own site; the port never counts.
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host or "." not in host or re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SHARED_SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
