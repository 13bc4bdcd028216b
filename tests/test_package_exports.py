"""The package's __all__ is complete and every name in it resolves."""

from __future__ import annotations

import importlib

import interviewer


def test_exports_every_name_resolves() -> None:
    for name in interviewer.__all__:
        assert getattr(interviewer, name) is not None, name


def test_exports_lazy_names_are_the_real_objects() -> None:
    for name, module in interviewer._LAZY.items():
        assert getattr(interviewer, name) is getattr(importlib.import_module(module), name)
        assert name in interviewer.__all__


def test_exports_cover_the_error_tree() -> None:
    errors = importlib.import_module("interviewer.errors")
    tree = {name for name in errors.__all__ if isinstance(getattr(errors, name), type)}
    assert tree and tree <= set(interviewer.__all__)
