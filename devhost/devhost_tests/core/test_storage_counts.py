"""The storage counters benchmarks read: every committed row, none twice, none missed."""

from __future__ import annotations

from pathlib import Path

from devhost_tests.core.helpers import history, run, running, start_and_wait


def test_counts_match_what_a_finished_chain_stored(tmp_path: Path) -> None:
    async def body() -> None:
        async with running("chaining", state_path=tmp_path / "state.db") as runtime:
            status = await start_and_wait(runtime, "chain", "Oslo", instance_id="counted")
            assert status["runtimeStatus"] == "Completed"
            counts = runtime.stats.storage
            events = history(runtime, "counted")
            episodes = sum(1 for event in events if event["EventType"] == 12)  # OrchestratorStarted
            assert episodes == 4
            # Every message queued was consumed: 1 start + 3 activity work items + 3 results.
            assert counts.messages_written == counts.messages_deleted == 7
            # The finished execution's history is what the history rows hold.
            assert counts.history_rows_written == len(events) == 16
            assert counts.history_rows_deleted == 0
            # Created once, then rewritten by each episode's commit.
            assert counts.instance_writes == 1 + episodes
            assert counts.operations == 7 + 7 + 16 + 5
            assert counts.transactions >= 1

    run(body)


def test_continue_as_new_counts_the_history_it_clears() -> None:
    async def body() -> None:
        async with running("monitor") as runtime:
            before = runtime.stats.storage.history_rows_deleted
            job = {
                "polls": 0,
                "generation": 0,
                "polls_needed": 4,
                "polls_per_generation": 2,
                "interval_seconds": 60,
            }
            status = await start_and_wait(runtime, "monitor", job, instance_id="looping")
            assert status["runtimeStatus"] == "Completed"
            assert runtime.stats.storage.history_rows_deleted > before

    run(body)
