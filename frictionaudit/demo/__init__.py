"""The bundled demo: "Nordlys Energi", a small customer portal with planted friction.

``server`` serves the portal (``DemoServer``), ``site/`` holds its pages, ``project/``
the frictionaudit config and journeys that audit it, and ``planted.yaml`` the problems
planted on purpose, which an audit of the demo is expected to find.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frictionaudit.demo.server import DemoServer

__all__ = ["DemoServer"]


def __getattr__(name: str) -> Any:
    # Imported lazily, so that `python -m frictionaudit.demo.server` does not find
    # the module already imported by its package (runpy warns about that).
    if name == "DemoServer":
        from frictionaudit.demo.server import DemoServer

        return DemoServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
