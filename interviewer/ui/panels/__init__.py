"""Tabs of the web app: each module has ``render(...)`` and ``wire(...)``."""
