"""AAF files made with pyaaf2 the way Media Composer structures them, for what the real exports in
../shared/fixtures/avid do not show: master clips with their own locators, an AAF of master clips only,
a sound-only master clip.

The structure follows the real exports (mob chain MasterMob -> file SourceMob with a locator ->
tape SourceMob with a Timecode slot; locators as DescriptiveMarkers in an EventMobSlot with a
PhysicalTrackNumber), as dumped from multiple_markers.aaf.
"""

from __future__ import annotations

from pathlib import Path

import aaf2

RATE = 24
TAPE_START = 90000  # 01:02:30:00 at 24 fps


def _event_slot(f, mob, slot_id: int, track: int, described: int, markers: list[tuple[int, str]], rate=RATE):
    slot = f.create.EventMobSlot()
    slot["SlotID"].value = slot_id
    slot["EditRate"].value = rate
    slot["PhysicalTrackNumber"].value = track
    sequence = f.create.Sequence(media_kind="DescriptiveMetadata")
    for position, comment in markers:
        marker = f.create.DescriptiveMarker()
        marker["Position"].value = position
        marker["Comment"].value = comment
        marker["DescribedSlots"].value = {described}
        sequence.components.append(marker)
    slot.segment = sequence
    mob.slots.append(slot)


def _master_clip(f, name: str, *, kind: str, frames: int, tape: str, linked: str, locators=(), rate=RATE,
                 tc_fps=None):
    tape_mob = f.create.SourceMob(tape)
    f.content.mobs.append(tape_mob)
    tape_slot, tc_slot = tape_mob.create_tape_slots(tape, rate, tc_fps or round(rate), media_kind=kind)
    # Start is a position, in the slot's edit units (frames, or samples for a sound tape counted in them)
    tc_slot.segment.start = TAPE_START if not tc_fps else round(TAPE_START / tc_fps * rate)
    tc_slot["PhysicalTrackNumber"].value = 1  # Media Composer marks the tape's primary timecode so
    tape_slot.segment.length = tc_slot.segment.length = frames * 10
    file_mob = f.create.SourceMob()
    f.content.mobs.append(file_mob)
    file_mob.descriptor = f.create.ImportDescriptor()
    locator = f.create.NetworkLocator()
    locator["URLString"].value = linked
    file_mob.descriptor["Locator"].append(locator)
    file_slot = file_mob.create_timeline_slot(rate)
    file_slot.segment = tape_mob.create_source_clip(slot_id=tape_slot.slot_id, start=0, length=frames, media_kind=kind)
    master = f.create.MasterMob(name)
    f.content.mobs.append(master)
    slot = master.create_timeline_slot(rate)
    slot["PhysicalTrackNumber"].value = 1
    slot.segment = file_mob.create_source_clip(slot_id=file_slot.slot_id, start=0, length=frames, media_kind=kind)
    if locators:
        _event_slot(f, master, 1000, 1, slot.slot_id, list(locators), rate)
    return master, slot


def write_master_clip_aaf(path: Path, *, sound_only: bool = False, sample_rate: int | None = None) -> Path:
    """One master clip 'A007_C012' (tape A007, linked file A007_C012.mov) with a locator 10 frames in.

    ``sample_rate``: a sound clip whose slots count audio samples (as pyaaf2's and other tools' audio
    imports write them), its tape's timecode at 25 fps (starting 01:00:00:00 = TAPE_START frames at 25):
    120 frames long, the locator 10 frames in."""
    with aaf2.open(str(path), "w") as f:
        if sample_rate:
            per_frame = sample_rate // 25
            _master_clip(f, "A007_C012", kind="sound", frames=120 * per_frame, tape="A007",
                         linked="file:///Volumes/Shoot/day2/A007_C012.wav",
                         locators=[(10 * per_frame, "She turns to the window")], rate=sample_rate, tc_fps=25)
            return path
        _master_clip(f, "A007_C012", kind="sound" if sound_only else "picture", frames=120, tape="A007",
                     linked="file:///Volumes/Shoot/day2/A007_C012.mov",
                     locators=[(10, "She turns to the window")])
    return path


def write_sequence_aaf(path: Path, *, rate=RATE, drop: bool = False, unlinked: bool = False) -> Path:
    """A sequence 'cut' of 48 frames of master clip 'shot_a' from its 12th frame, with one locator of its
    own at record frame 5; the master clip has a locator of its own (at its frame 20) too."""
    with aaf2.open(str(path), "w") as f:
        master, master_slot = _master_clip(f, "shot_a", kind="picture", frames=120, tape="TAPE_07",
                                           linked="file:///Volumes/Shoot/shot_a.mov",
                                           locators=[(20, "master clip locator, not on the sequence")], rate=rate)
        comp = f.create.CompositionMob("cut")
        comp.usage = "Usage_TopLevel"
        f.content.mobs.append(comp)
        tc = comp.create_timeline_slot(rate)
        tc["PhysicalTrackNumber"].value = 1
        timecode = f.create.Timecode(round(rate), drop)
        # 01:00:00:00 (01:00:00;00 drop-frame: 108 frame numbers fewer in the first hour)
        timecode.start, timecode.length = 3600 * round(rate) - (108 if drop else 0), 48
        tc.segment = timecode
        picture = comp.create_picture_slot(rate)
        picture["PhysicalTrackNumber"].value = 1
        picture.segment.components.append(master.create_source_clip(slot_id=master_slot.slot_id, start=12,
                                                                     length=48, media_kind="picture"))
        if unlinked:  # a clip whose master clip slot is gone (media deleted in the bin): 24 more frames
            clip = master.create_source_clip(slot_id=master_slot.slot_id, start=0, length=24, media_kind="picture")
            clip["SourceMobSlotID"].value = 99
            picture.segment.components.append(clip)
        _event_slot(f, comp, 1000, 1, picture.slot_id, [(5, "sequence locator")], rate)
    return path
