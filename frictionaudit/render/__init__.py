"""Render: one module per report format, each a function of an :class:`~frictionaudit.analysis.Analysis`."""
