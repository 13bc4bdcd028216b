"""Prompt files from the top-level ``prompts/`` folder, rendered with ``$placeholder`` values.

Placeholders use :class:`string.Template` syntax (``$name``) so JSON braces in a prompt need no
escaping. A placeholder without a value raises, as does a value without a placeholder: a typo
in a prompt file fails loudly instead of sending a half-filled prompt.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

from interviewer.errors import ConfigError

__all__ = ["load_prompt", "render_prompt"]


@lru_cache(maxsize=32)
def _read(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="utf-8")


def load_prompt(prompts_dir: Path, name: str) -> str:
    """The text of ``prompts_dir/name`` (``.md`` added when no suffix is given).

    Raises:
        ConfigError: The file does not exist.
    """
    path = prompts_dir / (name if Path(name).suffix else f"{name}.md")
    try:
        return _read(path, path.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"Prompt file {path} is missing; restore it from the repository (prompts/)."
        ) from exc


def render_prompt(prompts_dir: Path, name: str, **values: str) -> str:
    """Load a prompt file and fill every ``$placeholder``.

    Raises:
        ConfigError: The file is missing, a placeholder has no value, or a value is unused.
    """
    template = Template(load_prompt(prompts_dir, name))
    wanted = set(template.get_identifiers())
    missing = sorted(wanted - values.keys())
    if missing:
        raise ConfigError(f"Prompt {name} needs values for {missing}.")
    unused = sorted(values.keys() - wanted)
    if unused:
        raise ConfigError(f"Prompt {name} has no placeholder for {unused}; check the prompt file.")
    try:
        return template.substitute(values)
    except ValueError as exc:  # a stray "$" in the file
        raise ConfigError(f"Prompt {name} is malformed ({exc}); write a literal $ as $$.") from exc
