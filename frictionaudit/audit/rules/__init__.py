"""The rule catalogue; importing this package registers every rule."""

from frictionaudit.audit.rules import errors, journey, network, pages, speed  # noqa: F401
