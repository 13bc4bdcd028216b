"""Hiring-team sign-in: no default password, constant-time check, lockout after failures."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from interviewer.ui.panels import _access
from interviewer.ui.panels._access import check_password, team_pages_enabled


@pytest.fixture(autouse=True)
def _no_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_access, "_failures", [])


def test_team_pages_are_locked_without_a_configured_password(settings) -> None:
    assert not team_pages_enabled(settings)
    ok, message = check_password(settings, "")
    assert not ok and "INTERVIEWER_ADMIN_PASSWORD" in message


def test_team_password_accepts_only_the_right_password(settings) -> None:
    settings.admin_password = SecretStr("team-secret")
    assert check_password(settings, "team-secret")[0]
    assert check_password(settings, "team-secret ") == (False, "Wrong password.")


def test_team_sign_in_locks_after_repeated_failures(settings) -> None:
    settings.admin_password = SecretStr("team-secret")
    for _ in range(_access.MAX_FAILURES):
        assert not check_password(settings, "guess")[0]
    ok, message = check_password(settings, "team-secret")
    assert not ok and "Too many wrong passwords" in message
