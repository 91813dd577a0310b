"""The rule catalogue; importing this package registers every rule."""

from frictionaudit.audit.rules import (  # noqa: F401
    accessibility,
    consistency,
    dialogs,
    errors,
    forms,
    interaction,
    journey,
    mobile,
    network,
    pages,
    performance,
    speed,
)
