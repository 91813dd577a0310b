"""Effort per journey × channel: screens, clicks, fields, keystrokes, seconds, and a human estimate.

The estimate uses the Keystroke-Level Model (Card, Moran & Newell, 1980) with the operator times
the issue asks for: K 0.28 s per keystroke or button press, P 1.1 s to point at a target, H 0.4 s
to move a hand between pointer and keyboard, M 1.35 s to decide; plus the system's measured
response time (each step's duration). Reading and thinking beyond one M per action are not modelled,
so the estimate is a floor for a practised customer, useful to compare channels, not an absolute.
"""

from __future__ import annotations

from dataclasses import dataclass

from frictionaudit.results import JourneyRun

K, P, H, M = 0.28, 1.1, 0.4, 1.35

POINTING_ACTIONS = {"click", "check", "hover"}
FIELD_ACTIONS = {"fill", "select", "check"}


@dataclass(frozen=True)
class Effort:
    screens: int
    clicks: int
    fields: int
    keystrokes: int
    seconds: float
    human_seconds: float

    def as_dict(self) -> dict[str, float]:
        return {
            "screens": self.screens,
            "clicks": self.clicks,
            "fields": self.fields,
            "keystrokes": self.keystrokes,
            "seconds": round(self.seconds, 2),
            "human_seconds": round(self.human_seconds, 1),
        }


def klm_seconds(action: str, keystrokes: int, after_typing: bool) -> float:
    """The Keystroke-Level Model's operators for one step (without the system's response time)."""
    if action in ("click", "check"):
        return M + P + K + (H if after_typing else 0.0)
    if action == "hover":
        return M + P + (H if after_typing else 0.0)
    if action == "select":
        return M + P + K + P + K + (H if after_typing else 0.0)
    if action == "fill":
        return M + P + K + H + K * keystrokes
    if action == "press":
        return K if after_typing else M + K
    if action == "scroll":
        return M + P
    if action == "goto":
        return M
    return 0.0  # wait, expect and capture are the journey's checks, not the customer's actions


def screen_key(url: str, title: str) -> str:
    """Two steps are on the same screen when URL (without query and fragment) and title agree."""
    base = url.split("#", 1)[0].split("?", 1)[0]
    return f"{base}|{title}"


def journey_effort(run: JourneyRun) -> Effort:
    screens: set[str] = set()
    clicks = fields = keystrokes = 0
    seconds = human = 0.0
    typing = False
    for step in run.steps:
        if step.status == "skipped":
            continue
        typed = int(step.metrics.get("keystrokes", 0))
        if step.action in POINTING_ACTIONS or step.action == "select":
            clicks += 1
        if step.action in FIELD_ACTIONS:
            fields += 1
        if step.action == "press":
            typed = max(typed, 1)
        keystrokes += typed
        seconds += step.duration if step.action != "wait" else 0.0
        human += klm_seconds(step.action, typed, typing) + (step.duration if step.action != "wait" else 0.0)
        typing = step.action in ("fill", "press")
        if step.url:
            screens.add(screen_key(step.url, step.title))
    return Effort(len(screens), clicks, fields, keystrokes, seconds, human)
