"""`interviewer documents import`, `documents list` and `documents remove`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.knowledge.loader import load_documents

runner = CliRunner()


def test_documents_import_writes_clean_markdown_with_front_matter(tmp_path: Path) -> None:
    raw = tmp_path / "my_notes.txt"
    raw.write_text(
        "What areGenerative Adversarial Networks? It isn‘t hard.\n\n```\nthelatent = 1\n```\n"
    )
    result = runner.invoke(
        app,
        [
            "documents",
            "import",
            str(raw),
            "--out",
            str(tmp_path / "kb"),
            "--origin",
            "Lecture, 2026",
        ],
    )
    assert result.exit_code == 0, result.output
    written = (tmp_path / "kb" / "my-notes.md").read_text()
    assert written.startswith("---\ntitle: My notes\norigin: Lecture, 2026\n---\n\n# My notes\n")
    assert "What are Generative Adversarial Networks? It isn't hard." in written
    assert "thelatent = 1" in written
    docs, _ = load_documents([tmp_path / "kb"])
    assert docs[0].title == "My notes" and docs[0].origin == "Lecture, 2026"


def test_documents_import_keeps_front_matter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    raw = tmp_path / "paper.md"
    raw.write_text(
        "---\ntitle: A Paper\norigin: https://example.org/p\n---\n# A Paper\n\nthelatent space\n"
    )
    args = ["documents", "import", str(raw), "--out", str(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 1  # paper.md already exists in the output folder
    assert "--force" in first.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    text = raw.read_text()
    assert "origin: https://example.org/p" in text and "the latent space" in text


def test_documents_import_rejects_title_for_several_files(tmp_path: Path) -> None:
    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in files:
        path.write_text("text\n")
    result = runner.invoke(app, ["documents", "import", *map(str, files), "--title", "T"])
    assert result.exit_code == 1
    assert "one file" in result.output


def test_documents_import_out_that_is_a_file_is_a_message_not_a_traceback(tmp_path: Path):
    raw = tmp_path / "a.txt"
    raw.write_text("Some notes about GAN generators and discriminators.", encoding="utf-8")
    blocker = tmp_path / "outfile"
    blocker.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["documents", "import", str(raw), "--out", str(blocker)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot use" in result.output and str(blocker) in result.output
    assert blocker.read_text(encoding="utf-8") == "keep me"


def test_documents_import_writes_into_the_knowledge_folder_that_ingest_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --out the document went to ./knowledge, wherever the command ran: imported
    from any other folder (or with INTERVIEWER_KNOWLEDGE_DIR set) it was never ingested."""
    knowledge = tmp_path / "kb"
    knowledge.mkdir()
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(knowledge))
    elsewhere = tmp_path / "downloads"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (elsewhere / "notes.txt").write_text("Wasserstein GANs train a critic.\n", encoding="utf-8")
    result = runner.invoke(app, ["documents", "import", "notes.txt"])
    assert result.exit_code == 0, result.output
    assert (knowledge / "notes.md").is_file()
    assert not (elsewhere / "knowledge").exists()
    # A file that cannot be read stops the import before anything is written.
    failed = runner.invoke(app, ["documents", "import", "notes.txt", "missing.txt", "--force"])
    assert failed.exit_code == 1
    assert "cannot read missing.txt" in failed.output
    assert (knowledge / "notes.md").read_text(encoding="utf-8").count("critic") == 1
    assert sorted(p.name for p in knowledge.iterdir()) == ["notes.md"]


def _knowledge_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A knowledge folder of one document, gans.md, set as the app's (hashed vectors: quick)."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "gans.md").write_text("# GANs\n\n## Idea\n\nTwo networks play a minimax game.\n")
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("INTERVIEWER_EMBEDDING", "fake")
    return folder


def test_documents_remove_takes_out_notes_that_ingest_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plain `interviewer ingest` keeps a document ingested from outside the knowledge folder
    # while its file exists: this is how a user takes it out.
    _knowledge_folder(tmp_path, monkeypatch)
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n\n## WGAN\n\nWeight clipping keeps the critic Lipschitz.\n")
    runner.invoke(app, ["ingest"])
    runner.invoke(app, ["ingest", str(notes)])
    listed = runner.invoke(app, ["documents", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"notes.md  1 chunk  {notes.resolve()}" in listed.stdout

    unknown = runner.invoke(app, ["documents", "remove", "note.md"])
    assert unknown.exit_code == 1
    assert "No stored document named 'note.md'" in unknown.stderr
    assert "`interviewer documents list`" in unknown.stderr

    removed = runner.invoke(app, ["documents", "remove", "notes.md"])
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "Removed notes.md (1 chunk).\n" and removed.stderr == ""
    assert notes.exists()  # the store forgets it; the file is the user's
    runner.invoke(app, ["ingest"])
    stored = json.loads(runner.invoke(app, ["documents", "list", "--format", "json"]).stdout)
    assert [d["name"] for d in stored] == ["gans.md"]


def test_documents_remove_warns_that_a_file_in_the_knowledge_folder_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _knowledge_folder(tmp_path, monkeypatch)
    runner.invoke(app, ["ingest"])
    result = runner.invoke(app, ["documents", "remove", "gans.md"])
    assert result.exit_code == 0, result.output
    assert "still in the knowledge folder" in result.stderr
    assert "delete the file" in result.stderr


def test_documents_import_and_ingest_read_utf16_and_name_a_bad_byte_by_line(
    tmp_path: Path,
) -> None:
    """Notepad's "Unicode" (UTF-16 with a byte-order mark) was "a binary file; import text or
    Markdown files only", and a Latin-1 file was "not UTF-8 text" with no place given."""
    unicode = tmp_path / "lipschitz.txt"
    unicode.write_bytes(
        "# Lipschitz\r\n\r\nThe critic's gradient norm stays near 1.\r\n".encode("utf-16")
    )
    result = runner.invoke(
        app, ["documents", "import", str(unicode), "--out", str(tmp_path / "kb")]
    )
    assert result.exit_code == 0, result.output
    assert (
        "The critic's gradient norm stays near 1." in (tmp_path / "kb" / "lipschitz.md").read_text()
    )
    docs, skipped = load_documents([unicode])
    assert skipped == [] and "gradient norm stays near 1" in docs[0].text
    latin = tmp_path / "notes.md"
    latin.write_bytes("# Notes\n\nR\u00e9seaux antagonistes.\n".encode("latin-1"))
    result = runner.invoke(app, ["documents", "import", str(latin), "--out", str(tmp_path / "kb")])
    assert result.exit_code == 1
    assert "notes.md is not UTF-8 text (byte 0xe9 on line 3)" in result.stderr
    _, skipped = load_documents([latin])
    assert skipped[0].reason == "is not UTF-8 text (byte 0xe9 on line 3); save it as UTF-8"


def test_documents_import_refuses_a_file_ingest_would_skip_for_its_size(tmp_path: Path) -> None:
    """A 6 MB document was imported into the knowledge folder, then skipped by every ingest."""
    big = tmp_path / "big.txt"
    big.write_text("The generator maps noise to samples. " * 170_000, encoding="utf-8")
    out = tmp_path / "knowledge"
    result = runner.invoke(app, ["documents", "import", str(big), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is larger than 5 MB, the most `interviewer ingest` reads" in result.output
    assert not out.exists()  # nothing written
