"""The real ffprobe on tiny generated files: the parser must understand what it really prints.

The files come from ``ffmpeg -f lavfi -i testsrc=...`` once per session: mp4 and mov (nb_frames
present), mkv and webm (no nb_frames), an audio-only m4a, a PNG (a video stream with no
duration) and a file that is not media at all.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from loopwire.harness.client import ServiceClient
from service.probe import FfprobeProber
from service.probe_parse import ProbeError
from tests.integration.service.service_support import ClientFactory

pytestmark = [pytest.mark.integration, pytest.mark.needs_ffmpeg]

TESTSRC = ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10"]
SAMPLES: dict[str, list[str]] = {
    "clip.mp4": [*TESTSRC, "-pix_fmt", "yuv420p", "-c:v", "libx264"],
    "clip.mov": [*TESTSRC, "-pix_fmt", "yuv420p", "-c:v", "libx264"],
    "clip.mkv": [*TESTSRC, "-pix_fmt", "yuv420p", "-c:v", "libx264"],
    "clip.webm": [*TESTSRC, "-c:v", "libvpx-vp9", "-deadline", "realtime"],
    "tone.m4a": ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac"],
    "frame.png": [*TESTSRC, "-frames:v", "1"],
}


@pytest.fixture(scope="session")
def real_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny real media files, generated once per test session."""
    missing = [tool for tool in ("ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: apt-get install ffmpeg")
    folder = tmp_path_factory.mktemp("real-media")
    for name, arguments in SAMPLES.items():
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments, str(folder / name)],
            check=True,
            timeout=60,
        )
    (folder / "not-media.mp4").write_bytes(b"this is not a video\n" * 10)
    return folder


@pytest.fixture
def prober() -> FfprobeProber:
    return FfprobeProber("ffprobe", concurrency=2, timeout=30.0)


@pytest.mark.parametrize(
    ("name", "format_name", "codec", "nb_frames"),
    [
        ("clip.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", 10),
        ("clip.mov", "mov,mp4,m4a,3gp,3g2,mj2", "h264", 10),
        ("clip.mkv", "matroska,webm", "h264", None),
        ("clip.webm", "matroska,webm", "vp9", None),
    ],
)
async def test_real_videos_parse(
    real_media: Path,
    prober: FfprobeProber,
    name: str,
    format_name: str,
    codec: str,
    nb_frames: int | None,
) -> None:
    info = await prober.probe(real_media / name)

    assert info.path == str(real_media / name)
    assert info.format_name == format_name
    assert info.video_codec == codec
    assert info.audio_codec is None
    assert (info.width, info.height) == (64, 48)
    assert info.frame_rate == 10.0
    assert info.nb_frames == nb_frames
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert info.size_bytes == (real_media / name).stat().st_size
    assert info.bit_rate is not None
    assert info.bit_rate > 0


async def test_real_audio_only_file(real_media: Path, prober: FfprobeProber) -> None:
    info = await prober.probe(real_media / "tone.m4a")

    assert info.audio_codec == "aac"
    assert (info.video_codec, info.width, info.height, info.frame_rate) == (None, None, None, None)
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)


async def test_real_image_is_a_video_stream_without_duration(
    real_media: Path, prober: FfprobeProber
) -> None:
    info = await prober.probe(real_media / "frame.png")

    assert info.video_codec == "png"
    assert (info.width, info.height) == (64, 48)
    assert info.duration_seconds is None
    assert info.bit_rate is None


async def test_real_ffprobe_on_non_media_is_a_per_file_error(
    real_media: Path, prober: FfprobeProber
) -> None:
    with pytest.raises(ProbeError) as caught:
        await prober.probe(real_media / "not-media.mp4")

    assert caught.value.code == "probe_failed"
    assert "Invalid data" in caught.value.message


async def test_real_scan_through_the_api(
    make_client: ClientFactory, real_media: Path, tmp_path: Path
) -> None:
    media = tmp_path / "library"
    shutil.copytree(real_media, media)
    client = await make_client(media_roots=(media,))

    final, _ = await ServiceClient(client).scan_to_end(media, within=60)

    assert final["status"] == "completed", final
    names = [Path(v["path"]).name for v in final["result"]["videos"]]
    # Only video extensions are probed: the m4a and the png are not scanned.
    assert names == ["clip.mkv", "clip.mov", "clip.mp4", "clip.webm"]
    assert [e["code"] for e in final["result"]["errors"]] == ["probe_failed"]
    assert final["files_failed"] == 1
