"""The package re-exports its public API (STYLE.md rule 1)."""

from __future__ import annotations

import interviewer.reports as reports
from interviewer.reports import data


def test_reports_all_is_complete_and_importable() -> None:
    assert set(data.__all__) <= set(reports.__all__)
    for name in reports.__all__:
        assert hasattr(reports, name), name
