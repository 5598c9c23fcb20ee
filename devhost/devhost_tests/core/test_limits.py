"""The Durable extension's limits: custom status size in UTF-16, instance ids."""

from __future__ import annotations

import pytest
from devhost.limits import InvalidInstanceIdError, check_instance_id, utf16_size_in_kb

from devhost_tests.core.helpers import run, running, start_and_wait

# A JSON string of n ASCII characters is n + 2 UTF-16 units (2 bytes each); the extension
# rounds the size down to whole KB and refuses above 16: 17 KB starts at 8,702 characters.
LARGEST_ASCII_ACCEPTED = 8701
SIZE_MESSAGE = (
    "Orchestrator function 'status_of_size' failed: The UTF-16 size of the JSON-serialized "
    "payload must not exceed 16 KB. The current payload size is 17 KB."
)


def test_sizes_are_measured_in_utf16_whole_kb() -> None:
    assert utf16_size_in_kb("x" * LARGEST_ASCII_ACCEPTED) == 16
    assert utf16_size_in_kb("x" * (LARGEST_ASCII_ACCEPTED + 1)) == 17
    assert utf16_size_in_kb({"a": [1, 2]}) == 0
    # an emoji is two UTF-16 units, one Python character: 4,351 of them make 17 KB
    assert utf16_size_in_kb("\U0001f600" * 4351) == 17


def test_custom_status_at_the_limit_is_accepted() -> None:
    async def body() -> None:
        async with running("limits") as runtime:
            text = "x" * LARGEST_ASCII_ACCEPTED
            status = await start_and_wait(runtime, "status_of_size", text)
            assert status["runtimeStatus"] == "Completed"
            assert status["customStatus"] == text

    run(body)


@pytest.mark.parametrize(
    "text", ["x" * (LARGEST_ASCII_ACCEPTED + 1), "\U0001f600" * 4351], ids=["ascii", "emoji"]
)
def test_custom_status_over_16_kb_fails_the_orchestration_with_the_extensions_message(
    text: str,
) -> None:
    async def body() -> None:
        async with running("limits") as runtime:
            status = await start_and_wait(runtime, "status_of_size", text)
            assert status["runtimeStatus"] == "Failed"
            assert status["output"] == SIZE_MESSAGE
            assert status["customStatus"] is None  # never set: the extension refused it

    run(body)


@pytest.mark.parametrize(
    ("instance_id", "message"),
    [
        ("@entity", "must not start with @"),
        ("a/b", "must not contain /"),
        ("a#b", "must not contain /"),
        ("tab\there", "must not contain /"),
        ("x" * 257, "must not exceed 256 characters"),
    ],
)
def test_instance_ids_the_extension_refuses(instance_id: str, message: str) -> None:
    with pytest.raises(InvalidInstanceIdError, match=message):
        check_instance_id(instance_id)


def test_refused_instance_id_starts_nothing() -> None:
    async def body() -> None:
        async with running("limits") as runtime:
            with pytest.raises(InvalidInstanceIdError):
                await runtime.start_new("status_of_size", "a?b", '"x"')
            assert runtime.query() == []
            check_instance_id("x" * 256)  # the longest id accepted

    run(body)
