"""`interviewer ingest`, `interviewer search` and `interviewer eval retrieval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interviewer.cli import app

runner = CliRunner()

DOCS = {
    "failure-modes.md": "# Failure modes\n\n## Mode collapse\n\nMode collapse: the generator "
    "produces only a few distinct samples and the outputs lack diversity.\n",
    "metrics.md": "# Metrics\n\n## FID\n\nThe Frechet Inception Distance compares Inception "
    "feature statistics of real and generated images; lower is better.\n",
    "optim.md": "# Optimization\n\n## Adam\n\nDCGAN trains with Adam, learning rate 0.0002 "
    "and beta1 0.5.\n",
}


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    monkeypatch.setenv("INTERVIEWER_KNOWLEDGE_DIR", str(folder))
    return folder


def test_ingest_summary_counts_one_document_in_the_singular(
    knowledge: Path, tmp_path: Path
) -> None:
    single = tmp_path / "single.md"
    single.write_text(DOCS["metrics.md"])
    result = runner.invoke(app, ["ingest", str(single)])
    assert result.exit_code == 0, result.output
    assert "Ingested 1 document: 1 chunk, " in result.stdout


def test_ingest_prints_summary_and_is_idempotent(knowledge: Path) -> None:
    first = runner.invoke(app, ["ingest"])
    second = runner.invoke(app, ["ingest"])
    assert first.exit_code == 0, first.output
    assert "Ingested 3 documents" in first.stdout and "tokens" in first.stdout
    assert "added 3, updated 0, removed 0, unchanged 0" in first.stdout
    assert second.exit_code == 0, second.output
    assert "added 0, updated 0, removed 0, unchanged 3" in second.stdout
    assert "(0 chunks embedded)" in second.stdout


def test_ingest_reports_unusable_files_by_name_and_ingests_the_rest(knowledge: Path) -> None:
    (knowledge / "scan.md").write_bytes(b"\x00\x01\x02PDF-ish")
    (knowledge / "blank.md").write_text("\n\n")
    result = runner.invoke(app, ["ingest", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documents"] == 3 and len(report["added"]) == 3
    skipped = {Path(s["path"]).name for s in report["skipped"]}
    assert skipped == {"scan.md", "blank.md"}
    assert "scan.md: is a binary file" in result.stderr
    assert "blank.md: is empty" in result.stderr


def test_ingest_of_files_that_are_all_skipped_is_an_error(knowledge: Path) -> None:
    (knowledge / "scan.md").write_bytes(b"\x00\x01\x02PDF-ish")
    result = runner.invoke(app, ["ingest", str(knowledge / "scan.md")])
    assert result.exit_code == 1 and "Nothing was ingested" in result.stderr
    assert "scan.md: is a binary file" in result.stderr


def test_ingest_removed_document_disappears_from_search(knowledge: Path) -> None:
    runner.invoke(app, ["ingest"])
    (knowledge / "metrics.md").unlink()
    result = runner.invoke(app, ["ingest", "--format", "json"])
    assert json.loads(result.stdout)["removed"] == ["metrics.md"]
    hits = json.loads(
        runner.invoke(app, ["search", "Frechet Inception Distance", "--format", "json"]).stdout
    )
    assert all(h["document"] != "metrics.md" for h in hits)


def test_ingest_of_the_folder_keeps_notes_ingested_from_elsewhere(
    knowledge: Path, tmp_path: Path
) -> None:
    # `interviewer ingest ~/notes.md`, then a plain `interviewer ingest`: the notes were
    # removed from the store without a word.
    notes = tmp_path / "notes.md"
    notes.write_text("# My notes\n\n## WGAN\n\nWeight clipping keeps the critic Lipschitz.\n")
    runner.invoke(app, ["ingest"])
    runner.invoke(app, ["ingest", str(notes)])
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "removed 0" in result.stdout
    assert "kept (ingested from outside the folder): notes.md" in result.stdout
    assert "`interviewer documents remove NAME`" in result.stdout
    hits = json.loads(runner.invoke(app, ["search", "weight clipping", "--format", "json"]).stdout)
    assert hits[0]["document"] == "notes.md"
    notes.unlink()  # its file is gone: the next whole-folder ingest removes it
    result = runner.invoke(app, ["ingest", "--format", "json"])
    assert json.loads(result.stdout)["removed"] == ["notes.md"]


def test_ingest_missing_path_fails_with_message(knowledge: Path) -> None:
    result = runner.invoke(app, ["ingest", str(knowledge / "nope.md")])
    assert result.exit_code == 1
    assert "No such file or folder" in result.stderr


def test_search_json_ingests_on_first_use_and_ranks_with_citations(knowledge: Path) -> None:
    result = runner.invoke(
        app, ["search", "Why do all my samples look the same?", "-k", "2", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 2
    assert hits[0]["citation"] == "failure-modes.md › Failure modes > Mode collapse"
    assert hits[0]["score"] >= hits[1]["score"]
    assert {"chunk_id", "text", "document", "heading", "score"} <= set(hits[0])


def test_search_table_shows_source_and_score(knowledge: Path) -> None:
    result = runner.invoke(app, ["search", "Adam learning rate", "-k", "1"])
    assert result.exit_code == 0, result.output
    assert "optim.md" in result.stdout and "score" in result.stdout


def test_search_unreachable_chroma_server_says_how_to_fix(
    knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("INTERVIEWER_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("INTERVIEWER_CHROMA_PORT", str(port))
    result = runner.invoke(app, ["search", "mode collapse"])
    assert result.exit_code == 1
    assert "unreachable" in result.stderr and "INTERVIEWER_CHROMA_HOST" in result.stderr


def test_eval_retrieval_json_reports_recall_and_misses(knowledge: Path) -> None:
    def question(qid: str, text: str, doc: str) -> dict[str, object]:
        return {
            "id": qid,
            "text": text,
            "topic": "gan",
            "difficulty": 1,
            "key_points": ["a point"],
            "sources": [{"document": doc}],
        }

    bank = {
        "questions": [
            question("q1", "What is mode collapse?", "failure-modes.md"),
            question("q2", "How is FID computed?", "metrics.md"),
            question("q3", "Which optimizer settings did DCGAN use?", "optim.md"),
            question("q4", "What is mode collapse in GANs?", "metrics.md"),  # a deliberate miss
        ]
    }
    (knowledge / "questions.yaml").write_text(yaml.safe_dump(bank))
    result = runner.invoke(app, ["eval", "retrieval", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 4
    assert data["recall_at_1"] == 0.75
    assert data["recall_at_5"] == 1.0  # only 3 documents: everything is in the top 5
    assert 0.75 < data["mrr"] < 1.0
    assert [m["id"] for m in data["misses"]] == ["q4"]

    table = runner.invoke(app, ["eval", "retrieval"])
    assert "recall@5=1.000" in table.stdout and "q4" in table.stdout
