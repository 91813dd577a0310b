"""Gather: the only package that touches a browser (and the only one that imports Playwright).

It replays journeys on channels and writes raw observations to ``reports/<run-id>/``; it judges nothing.
"""
