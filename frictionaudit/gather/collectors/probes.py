"""The probes every run uses, in the order they run after a step. Add a probe class here."""

from __future__ import annotations

from frictionaudit.gather.collectors import Probe
from frictionaudit.gather.collectors.accessibility import AccessibilityProbe
from frictionaudit.gather.collectors.forms import FormsProbe
from frictionaudit.gather.collectors.interaction import InteractionProbe
from frictionaudit.gather.collectors.mobile import MobileProbe
from frictionaudit.gather.collectors.page_facts import PageFactsProbe
from frictionaudit.gather.collectors.performance import PerformanceProbe

# InteractionProbe first (it reads what the action set off before other probes touch the page);
# AccessibilityProbe last (the slowest, and axe scrolls while it scans).
PROBES: list[type[Probe]] = [
    InteractionProbe,
    PageFactsProbe,
    MobileProbe,
    FormsProbe,
    PerformanceProbe,
    AccessibilityProbe,
]

# After a step, these only read the page: they run together, while the screenshot is being taken.
# The others change the page for a moment (FormsProbe pastes into fields and puts the values back,
# AccessibilityProbe scrolls) and run one after the other once the screenshot is saved. Before a
# step, every probe only reads or arms listeners: they all run together.
READ_ONLY_AFTER_STEP: tuple[type[Probe], ...] = (InteractionProbe, PageFactsProbe, MobileProbe, PerformanceProbe)
