"""The typed API client the harness, the tests and the bench share: a refused scan is an error
naming the status, final statuses come from the service's own enum."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwire.harness.client import FINISHED, ServiceClient, ServiceError, is_finished
from service.schemas import JobStatus
from tests.integration.service.service_support import ClientFactory, touch_videos

pytestmark = pytest.mark.integration


def test_finished_statuses_are_the_services_own() -> None:
    assert {"completed", "failed", "cancelled", "timed_out"} == FINISHED
    assert all(is_finished({"status": s.value}) == s.finished for s in JobStatus)
    assert not is_finished(None)


async def test_a_refused_scan_raises_with_its_status(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    api = ServiceClient(await make_client())
    with pytest.raises(ServiceError) as refused:
        await api.start_scan(tmp_path / "outside-the-media-roots")
    assert refused.value.status in (400, 403, 404)


async def test_a_scan_followed_to_its_end(make_client: ClientFactory, media: Path) -> None:
    touch_videos(media, "a.mp4")
    api = ServiceClient(await make_client())
    final, seen = await api.scan_to_end(media)
    assert final["status"] == "completed"
    assert seen[-1] == final
    status, body = await api.cancel(final["id"])
    assert status == 409, body
