"""Every marker stands alone (issue 23, points 3, 4 and 8): context is shortened before what cannot be rendered
exactly, a marker that still cannot be retaken is skipped with its position and reason, media offline is
planned and priced, and the exit code says which of these happened."""

from __future__ import annotations

import json

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import decode_patterns, run_cli

from otio_retake import pipeline


def _sample(samples, markers, edit=None, name="edited.otio"):
    """The sample cut (shot A 0-240, shot B 240-456 at 24 fps, from 01:00:00:00) with these timeline markers."""
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    for item in [timeline.tracks, *timeline.tracks, *timeline.find_clips()]:
        del item.markers[:]
    for marker_name, record_in, frames in markers:
        marker = otio.schema.Marker(marker_name, TR(RT(record_in, 24), RT(frames, 24)), color="BLUE")
        marker.comment = "make it better"
        timeline.tracks.markers.append(marker)
    if edit:
        edit(timeline)
    path = samples / name
    otio.adapters.write_to_file(timeline, str(path))
    return path


def _dissolve(timeline):  # a 12-frame dissolve on the cut at 240: it covers record frames 234-246
    timeline.tracks[0].insert(1, otio.schema.Transition("dissolve", in_offset=RT(6, 24), out_offset=RT(6, 24)))


def test_context_stops_short_of_a_dissolve_and_plan_says_so(samples, capsys):
    # 'late' ends 12 frames before the cut: 2 s of context after it would reach into the dissolve.
    path = _sample(samples, [("late", 168, 60)], _dissolve)
    loaded = pipeline.load(path)
    [plan] = pipeline.plan(loaded)
    assert (plan.context_in, plan.context_out) == (120, 234)  # 48 frames before; after: up to the dissolve
    assert plan.context_note == "6 frame(s) after, to 01:00:09:18: stops at a dissolve"
    assert run_cli("plan", path, "--json") == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["status"] == "ready" and (row["context_before_frames"], row["context_after_frames"]) == (48, 6)
    assert "dissolve" in row["context_note"]


# ------------------------------------------------------------------------------------------ a realistic cut
SHOT_A, SHOT_B = "media/shot_a.mp4", "media/shot_b.mp4"
# Premiere's Time Remap with speed keyframes, as the FCP 7 XML adapter reads it from a Premiere export.
RAMP = {"effectid": "timeremap", "effecttype": "motion", "mediatype": "video", "parameter": [
    {"parameterid": "variablespeed", "name": "variablespeed", "value": "1"},
    {"parameterid": "speed", "name": "speed", "value": "73.3333"},
    {"parameterid": "reverse", "name": "reverse", "value": "FALSE"},
    {"parameterid": "graphdict", "name": "graphdict", "keyframe": [
        {"when": "0", "value": "0", "speedkfstart": "TRUE"}, {"when": "48", "value": "48", "speedkfin": "TRUE"},
        {"when": "96", "value": "70", "speedkfend": "TRUE"}]}]}
# (media, source in, frames) in record order from 01:00:00:00; "dissolve" and "gap" between them
CUT = [(SHOT_A, 0, 96), "dissolve", (SHOT_B, 0, 120), (SHOT_A, 100, 120), ("gap", 48), (SHOT_B, 130, 120),
       ("media/lost.mp4", 0, 96), ("ramp", 0, 96), (SHOT_B, 10, 120), (SHOT_A, 200, 100), (SHOT_B, 40, 120)]
# name, record in, frames (from 01:00:00:00) -> what becomes of it
MARKERS = [
    ("after_dissolve", 110, 60),  # ready: context before stops at the dissolve's end (frame 102), 8 frames
    ("crossing", 180, 60),        # ready: across a plain cut
    ("sky", 230, 60),             # ready
    ("on_gap", 336, 48),          # skipped: only a gap under it
    ("after_gap", 390, 60),       # ready
    ("lost", 520, 60),            # offline in plan; skipped by run
    ("ramp", 620, 60),            # skipped: its clip is retimed with a speed ramp
    ("quick", 720, 36),           # skipped: shorter than the engine's minimum
    ("media_end", 840, 60),       # ready: context after stops where shot A's media ends (frame 904)
    ("point", 960, 1),            # skipped: a point marker
    ("last", 950, 60),            # ready
]


def _realistic(folder):
    tl = otio.schema.Timeline("realistic", global_start_time=RT(86400, 24))
    track = otio.schema.Track("V1")
    for piece in CUT:
        if piece == "dissolve":
            track.append(otio.schema.Transition("Cross Dissolve", transition_type="SMPTE_Dissolve",
                                                in_offset=RT(6, 24), out_offset=RT(6, 24)))
        elif piece[0] == "gap":
            track.append(otio.schema.Gap(source_range=TR(RT(0, 24), RT(piece[1], 24))))
        else:
            media, first, frames = piece
            ramp = media == "ramp"
            clip = otio.schema.Clip(
                "ramped.mp4" if ramp else media.split("/")[1],
                media_reference=otio.schema.ExternalReference(target_url=SHOT_A if ramp else media),
                source_range=TR(RT(first, 24), RT(frames, 24)))
            if ramp:
                clip.effects.append(otio.schema.Effect("Time Remap", metadata={"fcp_xml": RAMP}))
            track.append(clip)
    tl.tracks.append(track)
    for name, record_in, frames in MARKERS:
        marker = otio.schema.Marker(name, TR(RT(record_in, 24), RT(frames, 24)), color="RED")
        marker.comment = f"retake {name}"
        tl.tracks.markers.append(marker)
    path = folder / "realistic.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


READY = ["after_dissolve", "crossing", "sky", "after_gap", "media_end", "last"]
SKIPPED = {"on_gap": "covers only a gap", "ramp": "speed ramp (Time Remap", "quick": "shorter than the preview"}


def test_a_realistic_cut_plans_every_marker_and_runs_the_good_ones(samples, tmp_path, capsys):
    path = _realistic(samples)
    assert run_cli("plan", path, "--json", "--context", "0.5") == 6  # some media offline
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert sorted(rows) == sorted(name for name, *_ in MARKERS)  # every marker found is a row
    assert sorted(n for n, r in rows.items() if r["status"] == "ready") == sorted(READY)
    assert rows["lost"]["status"] == "offline" and rows["lost"]["cost_usd"] == rows["sky"]["cost_usd"]
    assert "lost.mp4" in rows["lost"]["missing_media"][0]
    for name, says in SKIPPED.items():
        assert rows[name]["status"] == "skipped" and says in rows[name]["reason"], rows[name]
    # a point marker is a note on the cut unless --default-length says otherwise: left out, not a fault
    assert rows["point"]["status"] == "excluded" and "one-frame (point) marker" in rows["point"]["reason"]
    assert rows["ramp"]["record_in"] == "01:00:25:20" and rows["on_gap"]["record_in"] == "01:00:14:00"
    # The context is shortened before a dissolve and the media's end, and plan says so; elsewhere it is not.
    assert rows["after_dissolve"]["context_before_frames"] == 8 and "dissolve" in rows["after_dissolve"]["context_note"]
    assert rows["media_end"]["context_after_frames"] == 4
    assert "the end of 'shot_a.mp4''s media" in rows["media_end"]["context_note"]
    assert rows["sky"]["context_note"] == ""

    report = tmp_path / "report.json"
    assert run_cli("run", path, "-o", tmp_path / "out.otio", "--context", "0.5", "--report", report) == 4
    said = " ".join(capsys.readouterr().out.split())
    assert "skipped 'lost' at 01:00:21:16-01:00:24:04" in said and "its media is not on this machine" in said
    body = json.loads(report.read_text())
    assert sorted({t["range"] for t in body["takes"]}) == sorted(READY)
    assert sorted(s["name"] for s in body["skipped"]) == sorted([*SKIPPED, "lost", "point"])
    # The take's frames: the shortened context did not move the splice (shot B from record frame 96 on).
    take = next(t for t in body["takes"] if t["range"] == "after_dissolve")
    assert take["head"] == 8  # the handles a take keeps are the context it had
    patterns = decode_patterns(take["path"])
    assert patterns[take["head"]:take["head"] + 60] == [(110 + k - 96, 2) for k in range(60)]


# Premiere's Time Remap filter with speed keyframes (a speed ramp), as Premiere writes it in FCP 7 XML.
_PREMIERE_RAMP = """<filter><effect><name>Time Remap</name><effectid>timeremap</effectid>
<effectcategory>motion</effectcategory><effecttype>motion</effecttype><mediatype>video</mediatype>
<parameter authoringApp="PremierePro"><parameterid>variablespeed</parameterid><name>variablespeed</name>
<valuemin>0</valuemin><valuemax>1</valuemax><value>1</value></parameter>
<parameter authoringApp="PremierePro"><parameterid>speed</parameterid><name>speed</name><valuemin>-100000</valuemin>
<valuemax>100000</valuemax><value>58.75</value></parameter>
<parameter authoringApp="PremierePro"><parameterid>reverse</parameterid><name>reverse</name><value>FALSE</value>
</parameter>
<parameter authoringApp="PremierePro"><parameterid>graphdict</parameterid><name>graphdict</name>
<keyframe><when>0</when><value>0</value><speedvirtualkf>TRUE</speedvirtualkf><speedkfstart>TRUE</speedkfstart>
</keyframe><keyframe><when>200</when><value>100</value><speedkfin>TRUE</speedkfin></keyframe>
<keyframe><when>400</when><value>235</value><speedvirtualkf>TRUE</speedvirtualkf><speedkfend>TRUE</speedkfend>
</keyframe></parameter></effect></filter>
"""


def test_a_marker_on_a_premiere_speed_ramp_is_listed_with_its_position_and_why(fixtures_dir, tmp_path, capsys):
    # Premiere's own export (tests/data/SOURCES.md); its clip 'sc01_sh030_anim.mov' given a speed ramp. The stock
    # adapter reads Time Remap as a plain effect, so the clip was rendered (and its marker placed) as if at 100 %.
    text = (fixtures_dir / "premiere_example.xml").read_text()
    at = text.index("<logginginfo>", text.index('<clipitem id="clipitem-4"'))
    ramped = tmp_path / "ramped.xml"
    ramped.write_text(text[:at] + _PREMIERE_RAMP + text[at:])
    rows = {}
    for path in (fixtures_dir / "premiere_example.xml", ramped):
        run_cli("plan", path, "--json", "--default-length", "3")
        rows[path.name] = {r["origin"].split(", ", 1)[1]: r for r in json.loads(capsys.readouterr().out)
                           if "sc01_sh030_anim" in r["origin"]}
    [(origin, row)] = rows["ramped.xml"].items()
    assert row["status"] == "skipped" and "speed ramp (Time Remap" in row["reason"], row
    assert row["record_in"] == rows["premiere_example.xml"][origin]["record_in"] != ""  # where Premiere shows it
    assert "speed ramp" not in rows["premiere_example.xml"][origin]["reason"]


def test_context_grown_to_the_hosts_minimum_stops_short_of_a_retimed_neighbour(tmp_path):
    # A 48-frame marker in a 70-frame shot: the host needs 73 input frames, so the context grows past the shot;
    # the clip before is played at 2x (it cannot be rendered frame for frame): it grows into the clip after.
    tl = otio.schema.Timeline("t", global_start_time=RT(0, 24))
    track = otio.schema.Track("V1")
    for name, frames, speed in (("fast", 30, 2.0), ("shot", 70, None), ("next", 100, None)):
        clip = otio.schema.Clip(name, media_reference=otio.schema.ExternalReference(target_url=f"/offline/{name}.mov"),
                                source_range=TR(RT(0, 24), RT(frames, 24)))
        if speed:
            clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=speed))
        track.append(clip)
    tl.tracks.append(track)
    marker = otio.schema.Marker("fix", TR(RT(40, 24), RT(48, 24)))
    marker.comment = "make it better"
    tl.tracks.markers.append(marker)
    path = tmp_path / "t.otio"
    otio.adapters.write_to_file(tl, str(path))
    loaded = pipeline.load(path)
    [plan] = pipeline.plan(loaded)  # planned with its media offline
    assert (plan.context_in, plan.context_out) == (30, 103)
    assert plan.context_note == "10 frame(s) before, from 00:00:01:06: stops at clip 'fast' (speed change (2.00x))"
    assert loaded.offline == {"fix": ["clip 'shot': /offline/shot.mov", "clip 'next': /offline/next.mov"]}


def test_the_hosts_minimum_input_takes_black_from_a_gap_rather_than_skip_the_marker(tmp_path):
    # A gap, then a 60-frame shot to the end of the cut: the context stops at the gap, but 60 frames are fewer
    # than the 73 the host needs; black from the gap (what the editor sees there) makes up the rest.
    tl = otio.schema.Timeline("t", global_start_time=RT(0, 24))
    track = otio.schema.Track("V1")
    track.append(otio.schema.Gap(source_range=TR(RT(0, 24), RT(30, 24))))
    track.append(otio.schema.Clip("shot", media_reference=otio.schema.ExternalReference(target_url="/offline/s.mov"),
                                  source_range=TR(RT(0, 24), RT(60, 24))))
    tl.tracks.append(track)
    marker = otio.schema.Marker("fix", TR(RT(36, 24), RT(48, 24)))
    marker.comment = "make it better"
    tl.tracks.markers.append(marker)
    path = tmp_path / "t.otio"
    otio.adapters.write_to_file(tl, str(path))
    [plan] = pipeline.plan(pipeline.load(path))
    assert (plan.context_in, plan.context_out) == (17, 90)
    assert plan.context_note.startswith("13 frame(s) of black (a gap) before, from 00:00:00:17")


def test_a_real_final_cut_export_with_smooth_retimes_lists_every_marker_with_media_offline(fixtures_dir, capsys):
    # Final Cut's own 59.94 export (tests/data/SOURCES.md), media not here: 30 markers, seven of them on clips
    # retimed with smooth timeMap points. Every marker is a row: the ranges planned and priced (offline), the
    # seven on retimes skipped with their position and why, not dropped.
    path = fixtures_dir / "fcp_5994_with_2398_2997_media.fcpxml"
    assert run_cli("plan", path, "--default-length", "2", "--provider", "ltx", "--json") == 6  # media offline
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 30 and {r["status"] for r in rows} == {"offline", "skipped"}
    retimed = {r["name"]: r for r in rows if "timeMap" in (r["reason"] or "")}
    assert sorted(retimed) == sorted(["Shot_04", "Shot_06", "Shot_08", "Marker 8", "Marker 9", "Marker 18",
                                      "Marker 19"])
    assert all(r["status"] == "skipped" and r["record_in"] and "varying speed" in r["reason"]
               for r in retimed.values())
    offline = [r for r in rows if r["status"] == "offline"]
    assert all(r["cost_usd"] > 0 and r["context_frames"] > 0 and r["missing_media"] for r in offline)  # priced
