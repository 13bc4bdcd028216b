"""Where the web app listens: ``python app.py`` and ``interviewer serve`` honour Gradio's own
``GRADIO_SERVER_NAME`` / ``GRADIO_SERVER_PORT`` and default to 127.0.0.1:7860."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from interviewer.cli import app as cli
from interviewer.ui import app as web


class _Demo:
    def __init__(self) -> None:
        self.launched: dict[str, Any] = {}

    def launch(self, **kwargs: Any) -> None:
        self.launched = kwargs

    def block_thread(self) -> None:
        return None


class _Services:
    def warm_up(self) -> None:
        return None


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> _Demo:
    """``main()`` with the app replaced by a recorder of its launch arguments."""
    fake = _Demo()
    monkeypatch.setattr(web, "build_services", lambda settings: _Services())
    monkeypatch.setattr(web, "build_app", lambda settings, services: fake)
    monkeypatch.setattr(web, "WARM_UP_DELAY_S", 0.0)
    return fake


def test_main_listens_on_localhost_7860_by_default(
    demo: _Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    web.main()
    assert (demo.launched["server_name"], demo.launched["server_port"]) == ("127.0.0.1", 7860)


def test_main_honours_gradio_server_name_and_port(
    demo: _Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")  # noqa: S104 - only recorded
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7999")
    web.main()
    assert (demo.launched["server_name"], demo.launched["server_port"]) == ("0.0.0.0", 7999)  # noqa: S104


def test_serve_host_and_port_options_reach_the_app(
    demo: _Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.2", "--port", "7801"])
    assert result.exit_code == 0, result.output
    assert (demo.launched["server_name"], demo.launched["server_port"]) == ("127.0.0.2", 7801)
