"""Team logins: scrypt hashes, the auth file, and who a sign-in is."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from interviewer.access import (
    TEAM,
    add_login,
    authenticate,
    hash_password,
    read_auth_file,
    remove_login,
    team_login_configured,
    verify_password,
)
from interviewer.errors import ConfigError, InputError


def test_hash_password_verifies_only_the_same_password() -> None:
    encoded = hash_password("correct horse battery")
    assert encoded.startswith("scrypt$") and "correct horse" not in encoded
    assert verify_password("correct horse battery", encoded)
    assert not verify_password("correct horse battery ", encoded)
    assert hash_password("correct horse battery") != encoded  # a new salt each time


def test_verify_password_refuses_a_malformed_hash() -> None:
    assert not verify_password("x", "scrypt$not$a$hash")
    assert not verify_password("x", "plain-text-password")


def test_add_login_writes_hashes_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "team" / "auth"
    assert add_login(path, "alice", "alice-password-1")
    assert add_login(path, "bob@example.com", "bob-password-22")
    assert not add_login(path, "alice", "alice-password-2")  # a new password, same name
    text = path.read_text(encoding="utf-8")
    assert "alice-password" not in text and "bob-password" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logins = read_auth_file(path)
    assert sorted(logins) == ["alice", "bob@example.com"]
    assert verify_password("alice-password-2", logins["alice"])
    assert not verify_password("alice-password-1", logins["alice"])


def test_add_login_refuses_short_passwords_and_odd_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 10 characters"):
        add_login(tmp_path / "auth", "alice", "short")
    with pytest.raises(InputError, match="not a valid login name"):
        add_login(tmp_path / "auth", "al ice:x", "long-enough-password")
    assert not (tmp_path / "auth").exists()


def test_read_auth_file_names_the_line_of_a_clear_text_password(tmp_path: Path) -> None:
    path = tmp_path / "auth"
    path.write_text("# team\nalice:" + hash_password("pw-of-alice-1") + "\nbob:hunter2\n")
    with pytest.raises(ConfigError, match="Line 3 .*never stored in clear.*team add"):
        read_auth_file(path)


def test_read_auth_file_saved_by_notepad_keeps_its_logins(tmp_path: Path) -> None:
    """A byte-order mark and Windows line endings made line 1 "not 'name:scrypt$...'", with the
    advice to delete that (good) login."""
    path = tmp_path / "auth"
    alice, bob = hash_password("pw-of-alice-1"), hash_password("pw-of-bob-22")
    path.write_bytes(f"alice:{alice}\r\nbob:{bob}\r\n".encode("utf-8-sig"))
    path.chmod(0o600)
    assert read_auth_file(path) == {"alice": alice, "bob": bob}
    assert add_login(path, "carol", "pw-of-carol-333")  # `team add` reads it first
    assert sorted(read_auth_file(path)) == ["alice", "bob", "carol"]


def test_read_auth_file_that_is_not_text_says_what_it_should_hold(tmp_path: Path) -> None:
    path = tmp_path / "auth"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ConfigError) as told:
        read_auth_file(path)
    assert "is a binary file" in str(told.value) and "codec" not in str(told.value)
    assert "'name:scrypt$...' lines written by `interviewer team add NAME`" in str(told.value)


def test_read_auth_file_missing_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist.*interviewer team add"):
        read_auth_file(tmp_path / "nope")


def test_an_auth_file_other_users_can_change_signs_nobody_in(settings, tmp_path: Path) -> None:
    """Anyone on the machine could append a login of their own to a world-writable file."""
    path = tmp_path / "auth"
    add_login(path, "alice", "alice-password-1")
    settings.admin_auth_file = path
    path.chmod(0o666)
    with pytest.raises(ConfigError, match=r"changed by other users \(mode 666\).*chmod 600"):
        authenticate(settings, "alice", "alice-password-1")
    path.chmod(0o640)  # readable by the group: hashes only, still accepted
    assert authenticate(settings, "alice", "alice-password-1") == "alice"


def test_remove_login_drops_the_name(tmp_path: Path) -> None:
    path = tmp_path / "auth"
    add_login(path, "alice", "alice-password-1")
    add_login(path, "bob", "bob-password-22")
    remove_login(path, "alice")
    assert list(read_auth_file(path)) == ["bob"]
    with pytest.raises(InputError, match="No login named 'alice'"):
        remove_login(path, "alice")


def test_authenticate_tells_who_signed_in(settings, tmp_path: Path) -> None:
    path = tmp_path / "auth"
    add_login(path, "alice", "alice-password-1")
    settings.admin_auth_file = path
    settings.admin_password = SecretStr("shared-team-secret")
    assert authenticate(settings, "alice", "alice-password-1") == "alice"
    assert authenticate(settings, " alice ", "alice-password-1") == "alice"
    assert authenticate(settings, "alice", "shared-team-secret") is None
    assert authenticate(settings, "mallory", "alice-password-1") is None
    assert authenticate(settings, "", "shared-team-secret") == TEAM
    assert authenticate(settings, "", "alice-password-1") is None


def test_team_login_is_configured_by_a_password_or_an_auth_file(settings, tmp_path) -> None:
    assert not team_login_configured(settings)
    settings.admin_password = SecretStr("")
    assert not team_login_configured(settings)  # an empty password is no password
    settings.admin_auth_file = tmp_path / "auth"
    assert team_login_configured(settings)
