"""The media stage on the sources editors have, checked frame by frame."""

from __future__ import annotations

import json

from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import decode_patterns, dominant_hz, run_cli, take_file
from media_sources import make_source

from otio_retake.errors import MediaError
from otio_retake.media.decode import decode_all_frames
from otio_retake.media.excerpt import fit_size, frame_box, render_excerpt
from otio_retake.media.probe import probe
from otio_retake.media.testpattern import read_pattern
from otio_retake.providers.base import Limits
from otio_retake.timeline.relink import ResolvedMedia
from otio_retake.timeline.segments import Segment


def _timeline(folder: Path, media: Path, *, rate: Fraction, media_rate: Fraction, clip_in: int, clip_frames: int,
              marker_in: int, marker_frames: int, name: str = "fix") -> Path:
    """One clip (media frames clip_in.. at media_rate) on a timeline at ``rate``, with a marker in record frames."""
    r, mr = float(rate), float(media_rate)
    tl = otio.schema.Timeline("t", global_start_time=RT(0, r))
    track = otio.schema.Track("V1")
    info = probe(media)
    record_frames = round(Fraction(clip_frames) / media_rate * rate)
    track.append(otio.schema.Clip(media.stem, media_reference=otio.schema.ExternalReference(
        target_url=str(media), available_range=TR(RT(0, mr), RT(info.frames or clip_frames, mr))),
        source_range=TR(RT(clip_in, mr), RT(clip_frames, mr))))
    tl.tracks.append(track)
    marker = otio.schema.Marker(name, TR(RT(marker_in, r), RT(marker_frames, r)))
    marker.comment = "make it better"
    tl.tracks.markers.append(marker)
    assert tl.tracks.duration().value >= record_frames - 1
    path = folder / f"{media.stem}.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


def _expected(record: int, *, rate: Fraction, media_rate: Fraction, clip_in: int, times=None) -> int:
    """The source frame on screen at a record frame: the last one starting at or before it (quarter-frame slack)."""
    t = Fraction(clip_in) / media_rate + Fraction(record) / rate
    if times is None:
        return int(np.floor(float(t * media_rate + Fraction(1, 4))))
    eps = Fraction(1, 4) / media_rate
    return max(i for i, ti in enumerate(times) if ti <= t + eps)


SOURCES = {
    "prores_4444_10bit": dict(codec="prores_ks", pix_fmt="yuv444p10le", options={"profile": "4"}, suffix=".mov"),
    "prores_422hq": dict(codec="prores_ks", pix_fmt="yuv422p10le", options={"profile": "3"}, suffix=".mov"),
    "dnxhr_hqx_422_10bit": dict(codec="dnxhd", pix_fmt="yuv422p10le", options={"profile": "dnxhr_hqx"},
                                suffix=".mov"),
    "h264_10bit": dict(codec="libx264", pix_fmt="yuv420p10le", suffix=".mp4"),
    "rate_23976": dict(rate=Fraction(24000, 1001), timeline=Fraction(24000, 1001)),
    "rate_25_in_24": dict(rate=Fraction(25), timeline=Fraction(24)),
    "rate_2997": dict(rate=Fraction(30000, 1001), timeline=Fraction(30000, 1001)),
    "rate_5994": dict(rate=Fraction(60000, 1001), timeline=Fraction(60000, 1001)),
    "rate_5994_in_2997": dict(rate=Fraction(60000, 1001), timeline=Fraction(30000, 1001)),
    "no_audio": dict(audio=None),
    "mono": dict(audio="mono"),
    "surround_51": dict(audio="5.1"),
}


@pytest.mark.parametrize("kind", list(SOURCES))
def test_source_kind_gives_a_frame_exact_take(kind, tmp_path):
    spec = dict(SOURCES[kind])
    suffix = spec.pop("suffix", ".mp4")
    media_rate = spec.pop("rate", Fraction(24))
    rate = spec.pop("timeline", media_rate)
    frames = round(6 * media_rate)  # the clip's 5 s from 1 s in, to the file's end
    media = make_source(tmp_path / f"{kind}{suffix}", clip_id=4, frames=frames, rate=media_rate, **spec)
    marker_frames = round(2 * rate)
    path = _timeline(tmp_path, media, rate=rate, media_rate=media_rate, clip_in=round(media_rate),
                     clip_frames=round(5 * media_rate), marker_in=round(2 * rate), marker_frames=marker_frames)
    # Half a second of context: the take is still cut from inside the host's result, at a rate's own offset.
    assert run_cli("run", path, "-o", tmp_path / "out.otio", "--handles", "0", "--context", "0.5") == 0
    take = take_file(tmp_path / f"{kind}.retake" / "takes" / "fix_takeA.mp4")
    patterns = decode_patterns(take)
    assert len(patterns) == marker_frames
    expected = [(_expected(round(2 * rate) + i, rate=rate, media_rate=media_rate, clip_in=round(media_rate)), 4)
                for i in range(marker_frames)]
    assert patterns == expected
    assert probe(take).rate == rate
    if spec.get("audio", "stereo"):
        assert abs(dominant_hz(take, 0.25, 1.5) - 440) < 5
    else:
        from otio_retake.media.decode import read_audio
        assert float(np.abs(read_audio(str(take), Fraction(0), 48000)).max()) < 1e-3  # silence, not an error


def test_variable_frame_rate_source_is_sampled_by_time(tmp_path):
    # Phone footage: frames every ~1/24 s with jitter and two dropped frames.
    times, t = [], Fraction(0)
    for i in range(140):
        times.append(t)
        t += Fraction(1, 24) + (Fraction(7, 1000) if i % 3 == 0 else Fraction(-3, 1000))
        if i in (40, 90):
            t += Fraction(1, 24)  # a dropped frame
    media = make_source(tmp_path / "vfr.mp4", clip_id=6, frames=140, times=times)
    info = probe(media)
    path = _timeline(tmp_path, media, rate=Fraction(24), media_rate=Fraction(24), clip_in=0, clip_frames=130,
                     marker_in=48, marker_frames=72)
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--handles", "0", "--context", "0.5") == 0
    patterns = decode_patterns(take_file(tmp_path / "vfr.retake" / "takes" / "fix_takeA.mp4"))
    media_rate = info.rate
    expected = [(_expected(48 + i, rate=Fraction(24), media_rate=media_rate, clip_in=0, times=times), 6)
                for i in range(72)]
    assert patterns == expected
    assert len(set(patterns)) < 72  # the dropped frames show as held frames, not as a shift


@pytest.mark.parametrize("rotation", [90, 270])
def test_phone_clip_with_rotation_is_turned_upright(rotation, tmp_path):
    media = make_source(tmp_path / f"phone{rotation}.mp4", clip_id=9, frames=110, width=180, height=320,
                        rotation=rotation)
    assert (probe(media).width, probe(media).height, probe(media).rotation) == (180, 320, rotation)
    path = _timeline(tmp_path, media, rate=Fraction(24), media_rate=Fraction(24), clip_in=0, clip_frames=110,
                     marker_in=30, marker_frames=60)
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--handles", "0", "--context", "0") == 0
    take = take_file(tmp_path / f"phone{rotation}.retake" / "takes" / "fix_takeA.mp4")
    assert (probe(take).width, probe(take).height) == (180, 320)
    assert decode_patterns(take) == [(30 + i, 9) for i in range(60)]


def test_source_shorter_than_its_clip_skips_a_range_past_its_end_and_stops_context_at_it(tmp_path, capsys):
    media = make_source(tmp_path / "short.mp4", clip_id=2, frames=70)
    # The timeline asks for media frames 0-168, but the file ends at frame 70: marked frames past it would be
    # its last frame held, not what the editor sees: that marker is skipped, saying so.
    path = _timeline(tmp_path, media, rate=Fraction(24), media_rate=Fraction(24), clip_in=0, clip_frames=168,
                     marker_in=40, marker_frames=60)
    assert run_cli("plan", path, "--context", "0") == 5
    assert "reach the end of 'short''s media at 00:00:02:22" in " ".join(capsys.readouterr().out.split())
    # Marked frames inside the media: the context after them stops where the media ends (frame 90).
    media = make_source(tmp_path / "short2.mp4", clip_id=2, frames=90)
    path = _timeline(tmp_path, media, rate=Fraction(24), media_rate=Fraction(24), clip_in=0, clip_frames=168,
                     marker_in=10, marker_frames=50)
    assert run_cli("plan", path, "--json") == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["context_out"] == "00:00:03:18" and "the end of 'short2''s media" in row["context_note"]


def test_timeline_shorter_than_the_minimum_input_is_refused(tmp_path, capsys):
    media = make_source(tmp_path / "tiny.mp4", clip_id=2, frames=60)
    path = _timeline(tmp_path, media, rate=Fraction(24), media_rate=Fraction(24), clip_in=0, clip_frames=60,
                     marker_in=6, marker_frames=48)
    assert run_cli("plan", path) == 5  # its one marker skipped
    assert "fewer than the 73 input frames" in " ".join(capsys.readouterr().out.split())


def _segment(media: Path, frames: int, start: Fraction = Fraction(0)) -> list[Segment]:
    resolved = ResolvedMedia(path=media, start_frame=0, rate=Fraction(24), how="test")
    return [Segment(record_in=0, frames=frames, clip_name=media.stem, media=resolved, file_start=start)]


def test_sizes_fit_the_host_keeping_the_aspect():
    assert fit_size(4096, 2160, 3840, 2160) == (3840, 2024)
    assert fit_size(1920, 1080, 3840, 2160) == (1920, 1080)  # never enlarged
    exact = Limits(exact_resolutions=((1920, 1080), (1080, 1920)))
    assert frame_box(640, 360, exact) == (1920, 1080, (0, 0, 1920, 1080))
    assert frame_box(360, 640, exact) == (1080, 1920, (0, 0, 1080, 1920))
    assert frame_box(480, 360, exact) == (1920, 1080, (240, 0, 1440, 1080))


def test_exact_size_host_gets_the_picture_centred_on_black(tmp_path):
    media = make_source(tmp_path / "four3.mp4", clip_id=3, frames=16, width=480, height=360)
    info = render_excerpt(_segment(media, 12), tmp_path / "e.mp4", rate=Fraction(24),
                          limits=Limits(exact_resolutions=((1920, 1080), (1080, 1920))))
    assert (info.width, info.height, info.content) == (1920, 1080, (240, 0, 1440, 1080))
    frames, _, _ = decode_all_frames(str(info.path))
    assert len(frames) == 12
    assert frames[10][:, :200].max() < 20 and frames[10][:, -200:].max() < 20  # pillarbox
    assert read_pattern(frames[10][:, 240:240 + 1440]) == (10, 3)


def test_excerpt_fits_the_hosts_byte_limit(tmp_path):
    import av
    noisy = tmp_path / "noise.mp4"
    rng = np.random.default_rng(0)
    with av.open(str(noisy), "w") as out:  # noise at the excerpt's size: 73 frames of it are MBs at its quality
        stream = out.add_stream("libx264", rate=24, options={"crf": "10", "preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(80):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (180, 320, 3), dtype=np.uint8), format="rgb24")
            frame.pts = i
            for p in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(p)
        for p in stream.encode():
            out.mux(p)
    unlimited = render_excerpt(_segment(noisy, 73), tmp_path / "big.mp4", rate=Fraction(24),
                               limits=Limits(max_input_bytes=0))
    limit = 250_000
    capped = render_excerpt(_segment(noisy, 73), tmp_path / "capped.mp4", rate=Fraction(24),
                            limits=Limits(max_input_bytes=limit))
    assert unlimited.path.stat().st_size > 2 * limit
    assert capped.path.stat().st_size <= limit and capped.bitrate is not None


def test_a_picture_retake_needs_a_picture(tmp_path):
    wav = tmp_path / "sound.wav"
    from otio_retake.media.encode import write_wav
    from otio_retake.media.testpattern import tone
    write_wav(wav, tone(440, 48000 * 4))
    with pytest.raises(MediaError, match="has no video stream"):
        render_excerpt(_segment(wav, 73), tmp_path / "e.mp4", rate=Fraction(24))
