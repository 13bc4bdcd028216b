"""Concurrent session starts under one candidate name (the web app does this under load)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from interviewer.store.repository import Repository


def test_repository_same_new_name_from_many_threads_all_start(store: Repository) -> None:
    def start(i: int) -> str:
        return store.create_session(
            candidate="Ada Lovelace", config={"n": i}, question_ids=["q01"], state="greeting"
        ).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(start, range(40)))

    assert len(set(ids)) == 40
    listed = store.list_sessions(candidate="Ada Lovelace", limit=100)
    assert len(listed) == 40
