"""Knowledge documents: read Markdown files from disk, normalized, with title and origin.

A document's front matter may hold ``title:`` and ``origin:`` lines (YAML between ``---``);
otherwise the title is its first ``#`` heading and the origin is empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel

from interviewer.knowledge.normalize import normalize_text
from interviewer.textfile import text_of

__all__ = ["Document", "Skipped", "load_documents", "parse_document"]

SUFFIXES = {".md", ".markdown", ".txt"}
MAX_BYTES = 5_000_000


class Document(BaseModel):
    """One knowledge document, ready to chunk."""

    name: str  # file name, e.g. "gan-training-notes.md": the citation and the id in the store
    title: str
    origin: str = ""
    text: str  # normalized Markdown body without front matter
    sha256: str  # of the raw file bytes: a changed file replaces its chunks
    # Absolute path of the file it was read from ("" when built from text): a whole-folder
    # ingest removes only documents that came from the folder, or whose file is gone.
    source: str = ""


class Skipped(BaseModel):
    """A file that was not ingested, with the reason in plain words."""

    path: str
    reason: str


def load_documents(paths: Iterable[Path]) -> tuple[list[Document], list[Skipped]]:
    """Load documents from files and folders; unreadable, binary or empty files are skipped."""
    docs: list[Document] = []
    skipped: list[Skipped] = []
    first: dict[str, Path] = {}  # documents are stored by file name
    for path in _expand(paths):
        if (seen := first.setdefault(path.name, path)) != path:
            reason = f"{seen} has the same file name; documents are stored by name: rename one"
            skipped.append(Skipped(path=str(path), reason=reason))
            continue
        try:
            docs.append(_load_one(path))
        except ValueError as exc:
            skipped.append(Skipped(path=str(path), reason=str(exc)))
    return docs, skipped


def parse_document(name: str, raw: str, sha256: str = "", *, source: str = "") -> Document:
    """Build a Document from raw Markdown text (front matter optional)."""
    meta: dict[str, object] = {}
    # A byte-order mark or Windows line endings must not hide the front matter.
    raw_text = raw
    raw = raw.removeprefix("\ufeff").replace("\r\n", "\n")
    body = raw
    if raw.startswith("---\n"):
        end = raw.find("\n---", 4)
        if end != -1:
            try:
                loaded = yaml.safe_load(raw[4:end])
                meta = loaded if isinstance(loaded, dict) else {}
            except yaml.YAMLError:
                meta = {}
            body = raw[end + 4 :].lstrip("\n")
    text = normalize_text(body)
    title = str(meta.get("title") or _first_heading(text) or Path(name).stem)
    return Document(
        name=name,
        title=title,
        origin=str(meta.get("origin") or ""),
        text=text,
        sha256=sha256 or hashlib.sha256(raw_text.encode()).hexdigest(),
        source=source,
    )


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            )
        else:
            out.append(path)
    return out


def _load_one(path: Path) -> Document:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_BYTES:
        raise ValueError(
            f"is larger than {MAX_BYTES // 1_000_000} MB; split it into smaller documents"
        )
    try:
        # UTF-16 with a byte-order mark (Notepad's "Unicode") too: its NUL bytes read as binary.
        raw = text_of(data, nul_is_binary=True)
    except ValueError as exc:
        raise ValueError(f"{exc}; save it as UTF-8") from None
    if not raw.strip():
        raise ValueError("is empty")
    doc = parse_document(
        path.name, raw, hashlib.sha256(data).hexdigest(), source=str(path.resolve())
    )
    if not doc.text.strip():
        raise ValueError("has no text after its front matter")
    return doc


def _first_heading(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""
