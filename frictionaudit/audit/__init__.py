"""Audit: pure rules from saved observations to findings. No browser here, ever."""
