"""probe_parse on output recorded from real ffprobe 5.1 (trimmed to the keys that matter, values
exactly as printed: numbers as strings, fractions, "0/0", missing nb_frames)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.probe_parse import ProbeError, parse_probe_output

MP4 = {
    "streams": [
        {
            "index": 0, "codec_name": "h264", "codec_type": "video", "width": 64, "height": 48,
            "r_frame_rate": "10/1", "avg_frame_rate": "10/1", "time_base": "1/10240",
            "duration": "1.000000", "bit_rate": "19568", "nb_frames": "10",
            "disposition": {"default": 1, "attached_pic": 0},
        }
    ],
    "format": {
        "filename": "t.mp4", "nb_streams": 1, "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "start_time": "0.000000", "duration": "1.000000", "size": "2860", "bit_rate": "22880",
        "probe_score": 100,
    },
}  # fmt: skip
MKV = {
    "streams": [
        {
            "index": 0, "codec_name": "h264", "codec_type": "video", "width": 64, "height": 48,
            "r_frame_rate": "10/1", "avg_frame_rate": "10/1", "time_base": "1/1000",
            "disposition": {"default": 1, "attached_pic": 0},
            "tags": {"ENCODER": "Lavc59.37.100 libx264", "DURATION": "00:00:01.000000000"},
        }
    ],
    "format": {
        "filename": "t.mkv", "nb_streams": 1, "format_name": "matroska,webm",
        "start_time": "0.000000", "duration": "1.000000", "size": "2545", "bit_rate": "20360",
    },
}  # fmt: skip
PNG = {
    "streams": [
        {
            "index": 0, "codec_name": "png", "codec_type": "video", "width": 64, "height": 48,
            "r_frame_rate": "25/1", "avg_frame_rate": "25/1", "time_base": "1/25",
            "disposition": {"default": 0, "attached_pic": 0},
        }
    ],
    "format": {"filename": "t.png", "nb_streams": 1, "format_name": "png_pipe", "size": "469"},
}  # fmt: skip
M4A_WITH_COVER = {
    "streams": [
        {
            "index": 0, "codec_name": "aac", "codec_type": "audio", "r_frame_rate": "0/0",
            "avg_frame_rate": "0/0", "duration": "1.000000", "nb_frames": "45",
        },
        {
            "index": 1, "codec_name": "mjpeg", "codec_type": "video", "width": 500,
            "height": 500, "r_frame_rate": "90000/1", "avg_frame_rate": "0/0",
            "disposition": {"default": 0, "attached_pic": 1},
        },
    ],
    "format": {
        "filename": "t.m4a", "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "1.000000",
        "size": "9976", "bit_rate": "79808",
    },
}  # fmt: skip
NTSC_TS = {
    "streams": [
        {
            "codec_name": "mpeg2video", "codec_type": "video", "width": 720, "height": 480,
            "r_frame_rate": "60000/1001", "avg_frame_rate": "30000/1001", "duration": "N/A",
            "nb_frames": "N/A",
        },
        {"codec_name": "ac3", "codec_type": "audio", "r_frame_rate": "0/0"},
    ],
    "format": {"format_name": "mpegts", "duration": "N/A", "size": "1000", "bit_rate": "N/A"},
}  # fmt: skip


def parse(document: Any) -> Any:
    return parse_probe_output(json.dumps(document).encode(), "/media/x")


def test_mp4_numbers_arrive_as_strings() -> None:
    info = parse(MP4)
    assert info.path == "/media/x"
    assert info.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.duration_seconds == 1.0
    assert (info.size_bytes, info.bit_rate) == (2860, 22880)
    assert (info.width, info.height, info.video_codec) == (64, 48, "h264")
    assert (info.frame_rate, info.nb_frames, info.audio_codec) == (10.0, 10, None)


def test_mkv_stream_has_no_nb_frames_and_no_stream_duration() -> None:
    info = parse(MKV)
    assert info.nb_frames is None
    assert info.duration_seconds == 1.0  # from the format
    assert info.frame_rate == 10.0


def test_image_is_a_video_stream_without_duration() -> None:
    info = parse(PNG)
    assert (info.video_codec, info.duration_seconds, info.bit_rate) == ("png", None, None)
    assert info.size_bytes == 469


def test_audio_with_cover_art_is_not_a_video() -> None:
    info = parse(M4A_WITH_COVER)
    assert info.audio_codec == "aac"
    assert (info.video_codec, info.width, info.frame_rate, info.nb_frames) == (
        None, None, None, None,
    )  # fmt: skip


def test_not_available_values_and_ntsc_fractions() -> None:
    info = parse(NTSC_TS)
    assert (info.duration_seconds, info.bit_rate, info.nb_frames) == (None, None, None)
    assert info.frame_rate == 29.97  # avg_frame_rate wins over r_frame_rate
    assert info.audio_codec == "ac3"


@pytest.mark.parametrize(
    ("avg", "r", "expected"),
    [("0/0", "25/1", 25.0), ("0/0", "0/0", None), ("24", "0/0", 24.0), ("x/y", "1/0", None)],
)
def test_frame_rate_fractions(avg: str, r: str, expected: float | None) -> None:
    document = {"format": {"format_name": "f"}, "streams": [
        {"codec_type": "video", "avg_frame_rate": avg, "r_frame_rate": r},
    ]}  # fmt: skip
    assert parse(document).frame_rate == expected


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "", None, True, [], {}, "1e400"])
def test_bad_numbers_become_null(value: object) -> None:
    document = {"format": {"format_name": "f", "duration": value, "bit_rate": value}}
    info = parse(document)
    assert (info.duration_seconds, info.bit_rate) == (None, None)


def test_format_without_streams() -> None:
    info = parse({"format": {"format_name": "f"}})
    assert (info.video_codec, info.audio_codec, info.size_bytes) == (None, None, 0)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"this is not json", "invalid_probe_output"),
        (b"\xff\xfe garbage", "invalid_probe_output"),
        (b"", "invalid_probe_output"),
        (b"[1, 2]", "invalid_probe_output"),
        (b'{"streams": []}', "invalid_probe_output"),
        (b'{"format": "mp4"}', "invalid_probe_output"),
        (
            b'{"error": {"code": -1094995529,'
            b' "string": "Invalid data found when processing input"}}',
            "probe_failed",
        ),
    ],
)
def test_garbage_is_a_clear_per_file_error(raw: bytes, code: str) -> None:
    with pytest.raises(ProbeError) as caught:
        parse_probe_output(raw, "/media/x")
    assert caught.value.code == code
    assert caught.value.message
