"""Token counting with tiktoken's cl100k_base, from the offline file in models_dir."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import tiktoken

from interviewer.assets import CL100K_CACHE_NAME, asset_path

__all__ = ["count_tokens", "get_encoding", "truncate_tokens"]


@lru_cache(maxsize=4)
def get_encoding(models_dir: Path) -> tiktoken.Encoding:
    """The cl100k_base encoding, read from the verified offline copy (never downloaded).

    tiktoken reads its cache folder from ``TIKTOKEN_CACHE_DIR`` when it loads an encoding;
    pointing it at models_dir keeps tiktoken's own loading and hash check.
    """
    cached = asset_path(models_dir, f"tiktoken/{CL100K_CACHE_NAME}")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cached.parent.resolve())
    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str, models_dir: Path) -> int:
    """Number of cl100k tokens in ``text``."""
    return len(get_encoding(models_dir).encode(text, disallowed_special=()))


def truncate_tokens(text: str, max_tokens: int, models_dir: Path) -> str:
    """``text`` cut to at most ``max_tokens`` tokens (whole text when it fits)."""
    enc = get_encoding(models_dir)
    ids = enc.encode(text, disallowed_special=())
    return text if len(ids) <= max_tokens else enc.decode(ids[:max_tokens])
