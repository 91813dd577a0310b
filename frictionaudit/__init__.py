"""frictionaudit: replay customer journeys on several channels and rank the small fixes to make next."""

__version__ = "0.1.0"
