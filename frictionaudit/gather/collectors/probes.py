"""The probes every run uses, in the order they run after a step. Add a probe class here."""

from __future__ import annotations

from frictionaudit.gather.collectors import Probe

PROBES: list[type[Probe]] = []
