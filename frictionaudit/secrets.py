"""Keep secret values out of everything written or shown.

A ``fill`` with ``secret: true`` marks its value secret, and so does every environment variable it
reads. The redactor replaces each secret (raw and URL-encoded) in any string of a results tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from frictionaudit.config.loader import ENV_REF, resolve_env
from frictionaudit.config.models import Journey

MASK = "••••••"
MIN_SECRET_LENGTH = 3  # a one-letter "secret" would mask half the report


def secret_values(journeys: Iterable[Journey], env: Mapping[str, str]) -> set[str]:
    values: set[str] = set()
    for journey in journeys:
        for step in journey.steps:
            if step.action == "fill" and step.fill.secret:
                values.add(resolve_env(step.fill.value, env))
                values.update(env.get(name, "") for name in ENV_REF.findall(step.fill.value))
    return {v for v in values if len(v) >= MIN_SECRET_LENGTH}


class Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so a secret containing another is masked whole.
        self._forms = sorted((f for f in forms if f), key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, value: str) -> str:
        for form in self._forms:
            if form in value:
                value = value.replace(form, MASK)
        return value

    def tree(self, value: Any) -> Any:
        """A copy of a JSON-like tree with every string redacted (keys included)."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.tree(k): self.tree(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        return value
