"""Loading knowledge documents from files."""

from __future__ import annotations

from pathlib import Path

from interviewer.knowledge.loader import load_documents, parse_document


def test_two_files_with_one_name_are_not_merged_silently(tmp_path: Path) -> None:
    """Documents are stored by file name: the second same-named file is reported, not lost
    without a word (it replaced nothing and was dropped)."""
    for folder, text in (("x", "Mode collapse notes."), ("y", "Nash equilibrium notes.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.md").write_text(f"# Notes\n\n{text}\n", encoding="utf-8")
    docs, skipped = load_documents([tmp_path / "x" / "same.md", tmp_path / "y" / "same.md"])
    assert [d.name for d in docs] == ["same.md"] and "Mode collapse" in docs[0].text
    assert len(skipped) == 1 and skipped[0].path.endswith("y/same.md")
    assert "same file name" in skipped[0].reason and "rename" in skipped[0].reason


def test_front_matter_is_read_behind_a_byte_order_mark_and_windows_line_endings() -> None:
    raw = "\ufeff---\r\ntitle: Losses\r\norigin: lecture 3\r\n---\r\n# L\r\n\r\nText.\r\n"
    doc = parse_document("losses.md", raw)
    assert (doc.title, doc.origin) == ("Losses", "lecture 3")
    assert "title:" not in doc.text and "---" not in doc.text
