"""Hiring-team sign-in: no default password, constant-time check, lockout after failures."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from interviewer.ui.panels import _access
from interviewer.ui.panels._access import check_password, team_pages_enabled


@pytest.fixture(autouse=True)
def _no_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_access, "_failures", {})


def test_team_pages_are_locked_without_a_configured_password(settings) -> None:
    assert not team_pages_enabled(settings)
    ok, message = check_password(settings, "")
    # A visitor was told which settings to set: how the server is configured.
    assert not ok and message == "Hiring-team pages are not enabled on this server."


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


def test_wrong_passwords_from_one_address_do_not_lock_out_another(settings) -> None:
    """Five wrong passwords from any visitor of the public page locked the whole team out."""
    settings.admin_password = SecretStr("team-secret")
    for _ in range(_access.MAX_FAILURES):
        assert not check_password(settings, "guess", client="10.0.0.9")[0]
    assert not check_password(settings, "team-secret", client="10.0.0.9")[0]
    assert check_password(settings, "team-secret", client="10.0.0.2")[0]
    # Many addresses together still lock sign-in everywhere for a while.
    for n in range(_access.MAX_FAILURES_ALL):
        check_password(settings, "guess", client=f"10.1.{n // 4}.{n}")
    ok, message = check_password(settings, "team-secret", client="10.0.0.2")
    assert not ok and "Too many wrong passwords" in message


def test_team_sign_in_with_a_personal_login_names_the_person(settings, tmp_path) -> None:
    from interviewer.access import add_login
    from interviewer.ui.panels._access import sign_in_as

    add_login(tmp_path / "auth", "alice", "alice-password-1")
    settings.admin_auth_file = tmp_path / "auth"
    assert team_pages_enabled(settings)  # an auth file alone enables the team pages
    assert sign_in_as(settings, "alice-password-1", "alice") == ("alice", "Signed in as alice.")
    assert sign_in_as(settings, "alice-password-1", "bob") == ("", "Wrong name or password.")
    assert sign_in_as(settings, "alice-password-1") == ("", "Wrong name or password.")


def test_team_sign_in_with_a_broken_auth_file_says_what_is_wrong(
    settings, tmp_path, caplog
) -> None:
    from interviewer.ui.panels._access import sign_in_as

    (tmp_path / "auth").write_text("alice:hunter2\n")
    settings.admin_auth_file = tmp_path / "auth"
    with caplog.at_level("WARNING"):
        who, message = sign_in_as(settings, "hunter2", "alice")
    assert who == "" and "misconfigured" in message
    assert str(tmp_path) not in message  # no server path for a visitor; the log has it
    assert "Line 1" in caplog.text and "team add" in caplog.text


@pytest.mark.parametrize("tab", ["calibration", "report"])
def test_team_sign_in_form_gives_way_to_sign_out_while_signed_in(settings, tab) -> None:
    """Signed in, the password box and "Sign in" stayed beside "Sign out" and still invited a
    sign-in; a wrong password keeps the form, and signing out brings it back."""
    import gradio as gr

    from interviewer.ui.panels import calibration, report
    from interviewer.ui.services import build_services

    settings.admin_password = SecretStr("team-secret")
    services = build_services(settings)
    module = {"calibration": calibration, "report": report}[tab]
    with gr.Blocks() as demo:
        panel = module.render(services)
        module.wire(panel, services)
    fns = {f.fn.__name__: f for f in demo.fns.values() if f.fn is not None}
    parts = {
        part: getattr(panel.login, part) for part in ("name", "password", "button", "sign_out")
    }
    visible = {part: block.visible for part, block in parts.items()}

    def shown(name: str, *args: object) -> dict[str, bool]:
        # What the page shows after the event: a part it does not update stays as it was.
        updates = dict(zip(fns[name].outputs, fns[name].fn(*args), strict=True))
        for part, block in parts.items():
            visible[part] = getattr(updates.get(block), "visible", visible[part])
        return dict(visible)

    form = {"name": False, "password": True, "button": True, "sign_out": False}
    assert shown("sign_in", "guess", "", None) == form
    assert shown("sign_in", "team-secret", "", None) == {
        "name": False,
        "password": False,
        "button": False,
        "sign_out": True,
    }
    assert shown("signed_out") == form
    answer = fns["sign_in"].fn("team-secret", "", None)
    updates = dict(zip(fns["sign_in"].outputs, answer, strict=True))
    assert updates[parts["password"]].value == ""  # not left on the page to come back


def _report_tab(settings):
    """The Report tab of a server whose team password is "team-secret", and its handlers by
    name."""
    import gradio as gr

    from interviewer.ui.panels import report
    from interviewer.ui.services import build_services

    settings.admin_password = SecretStr("team-secret")
    services = build_services(settings)
    with gr.Blocks() as demo:
        panel = report.render(services)
        report.wire(panel, services)
    return demo, panel, {f.fn.__name__: f for f in demo.fns.values() if f.fn is not None}


def test_report_tab_invitation_to_sign_in_hides_while_signed_in(settings) -> None:
    """Signed in, "Sign in as the hiring team to open any candidate's report." stayed above
    "Signed in as the hiring team."; it comes back on sign-out, as the form does."""
    import gradio as gr

    demo, _, fns = _report_tab(settings)
    invitation = next(
        block
        for block in demo.blocks.values()
        if isinstance(block, gr.Markdown) and "Sign in as the hiring team" in str(block.value)
    )
    visible = invitation.visible

    def after(name: str, *args: object) -> bool:
        nonlocal visible
        update = dict(zip(fns[name].outputs, fns[name].fn(*args), strict=True)).get(invitation)
        visible = getattr(update, "visible", visible)  # not updated: stays as it was
        return bool(visible)

    assert after("sign_in", "guess", "", None) is True
    assert after("sign_in", "team-secret", "", None) is False
    assert after("signed_out") is True


def test_report_tab_signed_in_with_no_sessions_stored_says_so(settings) -> None:
    """Signed in on a server with no sessions, the team saw an empty "All sessions" list and
    nothing else: it read like a list that had failed to load."""
    _, panel, fns = _report_tab(settings)
    answer = fns["sign_in"].fn("team-secret", "", None)
    status = dict(zip(fns["sign_in"].outputs, answer, strict=True))[panel.sign_in_status]
    assert "No interview sessions are stored yet" in str(getattr(status, "value", status))
