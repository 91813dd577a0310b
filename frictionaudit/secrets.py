"""Keep secret values out of everything written or shown.

A ``fill`` with ``secret: true`` marks its value secret, and so does every environment variable it
reads; so does every variable named in the config's ``secrets:`` list, wherever it is used, and any
value the replay types into a password field (found while it runs). The redactor replaces each
secret (raw and URL-encoded) in any string of a results tree, and the start of a secret that a
length cap cut off ("hunter…").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from frictionaudit.config.loader import ENV_REF, resolve_env
from frictionaudit.config.models import Journey

MASK = "••••••"
MIN_SECRET_LENGTH = 3  # a one-letter "secret" would mask half the report
CLIPPED = "…"  # what ``collectors.clip`` ends a cut text with


def secret_values(journeys: Iterable[Journey], env: Mapping[str, str], names: Iterable[str] = ()) -> set[str]:
    """The secret values of a run: ``secret: true`` fills, the variables they read, and ``names``."""
    values: set[str] = {env.get(name, "") for name in names}
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
        if value.endswith(CLIPPED):
            value = self._clipped_tail(value)
        return value

    def _clipped_tail(self, value: str) -> str:
        """Mask the start of a secret left at the end of a clipped text (``...&pw=hunt…``)."""
        body = value[: -len(CLIPPED)]
        for form in self._forms:
            for size in range(min(len(form) - 1, len(body)), MIN_SECRET_LENGTH - 1, -1):
                if body.endswith(form[:size]):
                    return body[:-size] + MASK + CLIPPED
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
