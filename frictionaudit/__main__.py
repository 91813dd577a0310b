"""Allow ``python -m frictionaudit``."""

from frictionaudit.cli import main

main()
