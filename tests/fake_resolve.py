"""An in-memory DaVinci Resolve that keeps the real scripting API's names and conventions.

Conventions kept (nle.md): track indices are 1-based; failures answer ``False``
or ``None``, never raise; timeline marker frames are relative to the
timeline start, ``recordFrame`` is absolute; frames must be integers (one
float fails the whole ``AppendToTimeline`` batch); ``endFrame`` is exclusive
from version 21 and inclusive before 19; ``GetStartFrame()`` is 86400 for a
01:00:00:00 timeline at 24 fps; ``GetSetting("timelineFrameRate")`` is a
string; a clip cannot be placed over another on the same track.

Behaviours this fake ASSUMES and that have not been checked against a real
Resolve (``plugins/resolve/probe_resolve.py`` checks them on a real one):
- ``ImportMedia`` returns items whose ``GetClipProperty("File Path")`` is the
  absolute path given;
- ``AppendToTimeline`` ``startFrame``/``endFrame`` count from the media's
  first frame (0), whatever its embedded timecode;
- the first ``AddTake`` turns a clip into a Take Selector with the original
  as take 1 and keeps take 1 selected; ``AddTake`` frames are like
  ``AppendToTimeline``'s;
- ``FinalizeTake`` on a Take Selector left with only the original turns it back into a plain clip;
- ``UpdateMarkerCustomData`` fails (``False``) where there is no marker;
- ``AddTrack("audio", "stereo")`` appends a stereo track;
- ``ImportTimelineFromFile`` of an OTIO file makes a new timeline and leaves
  the current one as it was.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake.media.probe import probe

_ids = itertools.count(1)


class MediaPoolItem:
    def __init__(self, path: str) -> None:
        self.path = str(Path(path).resolve())
        info = probe(self.path)
        self.frames = info.frames or round(info.duration * 24)
        self.fps = float(info.rate) if info.rate else 24.0

    def GetClipProperty(self, name=None):
        props = {"File Path": self.path, "FPS": f"{self.fps:g}", "Frames": str(self.frames),
                 "Clip Name": Path(self.path).name}
        return props if name is None else props.get(name, "")

    def GetName(self):
        return Path(self.path).name


class Folder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.clips: list[MediaPoolItem] = []
        self.subfolders: list[Folder] = []

    def GetName(self):
        return self.name

    def GetClipList(self):
        return list(self.clips)

    def GetSubFolderList(self):
        return list(self.subfolders)


class TimelineItem:
    def __init__(self, timeline, pool_item, start, duration, source_in, media_type=1) -> None:
        self.timeline = timeline
        self.pool_item = pool_item
        self.start = int(start)
        self.duration = int(duration)
        self.source_in = int(source_in)
        self.media_type = media_type
        self.uid = f"item-{next(_ids)}"
        self.takes: list[dict] = []
        self.selected = 1
        self.enabled = True

    def GetName(self):
        return self.pool_item.GetName() if self.pool_item else "generator"

    def GetStart(self):
        return self.start

    def GetEnd(self):
        return self.start + self.duration

    def GetDuration(self):
        return self.duration

    def GetLeftOffset(self):
        return self.source_in

    def GetSourceStartFrame(self):
        return self.source_in

    def GetMediaPoolItem(self):
        return self.pool_item

    def GetUniqueId(self):
        return self.uid

    def GetClipEnabled(self):
        return self.enabled

    def SetClipEnabled(self, value):
        self.enabled = bool(value)
        return True

    def AddTake(self, pool_item, start_frame=None, end_frame=None):
        if not isinstance(pool_item, MediaPoolItem) or any(isinstance(v, float) for v in (start_frame, end_frame)):
            return False
        if not self.takes:
            self.takes.append({"mediaPoolItem": self.pool_item, "startFrame": self.source_in,
                               "endFrame": self.source_in + self.duration})
        self.takes.append({"mediaPoolItem": pool_item, "startFrame": start_frame, "endFrame": end_frame})
        return True

    def GetTakesCount(self):
        return len(self.takes)

    def GetSelectedTakeIndex(self):
        return self.selected if self.takes else 0

    def SelectTakeByIndex(self, index):
        if not 1 <= index <= len(self.takes):
            return False
        self.selected = index
        return True

    def GetTakeByIndex(self, index):
        if not 1 <= index <= len(self.takes):
            return None
        return dict(self.takes[index - 1])

    def DeleteTakeByIndex(self, index):
        if not 1 <= index <= len(self.takes) or index == self.selected:
            return False
        del self.takes[index - 1]
        return True

    def FinalizeTake(self):
        if not self.takes:
            return False
        self.pool_item = self.takes[self.selected - 1]["mediaPoolItem"]
        self.takes = []
        return True


class Timeline:
    def __init__(self, name: str, *, start_frame: int = 86400, rate: str = "24", end_exclusive: bool = True) -> None:
        self.name = name
        self.start_frame = start_frame
        self.rate = rate
        self.end_exclusive = end_exclusive
        self.tracks = {"video": [], "audio": [], "subtitle": []}  # lists of [name, [items]]
        self.markers: dict[float, dict] = {}
        self.export_works = True
        self.calls: list[str] = []

    # markers: frames relative to the timeline start
    def GetMarkers(self):
        return {frame: dict(info) for frame, info in self.markers.items()}

    def AddMarker(self, frame, color, name, note, duration, custom_data=""):
        if float(frame) in self.markers or duration < 1:
            return False
        self.markers[float(frame)] = {"color": color, "duration": duration, "note": note, "name": name,
                                      "customData": custom_data}
        return True

    def UpdateMarkerCustomData(self, frame, custom_data):
        if float(frame) not in self.markers:
            return False
        self.markers[float(frame)]["customData"] = custom_data
        return True

    def GetMarkerByCustomData(self, custom_data):
        return {f: dict(m) for f, m in self.markers.items() if m.get("customData") == custom_data}

    def DeleteMarkerAtFrame(self, frame):
        return self.markers.pop(float(frame), None) is not None

    def GetName(self):
        return self.name

    def GetStartFrame(self):
        return self.start_frame

    def GetEndFrame(self):
        ends = [i.GetEnd() for kind in self.tracks.values() for _, items in kind for i in items]
        return max(ends, default=self.start_frame)

    def GetSetting(self, name=None):
        return {"timelineFrameRate": self.rate}.get(name, "")

    def GetTrackCount(self, kind):
        return len(self.tracks.get(kind, []))

    def AddTrack(self, kind, sub_type=None):
        if kind not in self.tracks:
            return False
        self.tracks[kind].append([f"{kind[0].upper()}{len(self.tracks[kind]) + 1}", []])
        return True

    def DeleteTrack(self, kind, index):
        if not 1 <= index <= len(self.tracks.get(kind, [])):
            return False
        del self.tracks[kind][index - 1]
        return True

    def SetTrackName(self, kind, index, name):
        if not 1 <= index <= len(self.tracks.get(kind, [])):
            return False
        self.tracks[kind][index - 1][0] = name
        return True

    def GetTrackName(self, kind, index):
        if not 1 <= index <= len(self.tracks.get(kind, [])):
            return ""
        return self.tracks[kind][index - 1][0]

    def GetItemListInTrack(self, kind, index):
        if not 1 <= index <= len(self.tracks.get(kind, [])):
            return None
        return sorted(self.tracks[kind][index - 1][1], key=lambda i: i.start)

    def DeleteClips(self, items, ripple=False):
        for kind in self.tracks.values():
            for _, track_items in kind:
                for item in list(track_items):
                    if item in items:
                        track_items.remove(item)
        return True

    def Export(self, path, export_type, export_subtype=None):
        if not self.export_works or export_type != Resolve.EXPORT_OTIO:
            return False
        otio.adapters.write_to_file(self.to_otio(), str(path))
        return True

    def to_otio(self) -> otio.schema.Timeline:
        rate = {"23.976": 24000 / 1001, "29.97": 30000 / 1001}.get(self.rate, float(self.rate))
        tl = otio.schema.Timeline(self.name, global_start_time=RT(self.start_frame, rate),
                                  metadata={"Resolve_OTIO": {"Resolve OTIO Meta Version": "1.0"}})
        for name, items in self.tracks["video"]:
            track = otio.schema.Track(name)
            cursor = self.start_frame
            for item in sorted(items, key=lambda i: i.start):
                if item.start > cursor:
                    track.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(item.start - cursor, rate))))
                track.append(otio.schema.Clip(item.GetName(), media_reference=otio.schema.ExternalReference(
                    target_url=item.pool_item.path, available_range=TR(RT(0, rate), RT(item.pool_item.frames, rate))),
                    source_range=TR(RT(item.source_in, rate), RT(item.duration, rate))))
                cursor = item.start + item.duration
            tl.tracks.append(track)
        for frame, info in self.markers.items():
            marker = otio.schema.Marker(info["name"], TR(RT(frame, rate), RT(info["duration"], rate)),
                                        color=info["color"].upper(), metadata={"Resolve_OTIO": {"Note": info["note"]}})
            tl.tracks.markers.append(marker)
        return tl

    # used by the fake MediaPool
    def place(self, info) -> TimelineItem | None:
        kind = "video" if info.get("mediaType", 1) == 1 else "audio"
        index = info.get("trackIndex", 1)
        if not 1 <= index <= len(self.tracks[kind]):
            return None
        start, end = info.get("startFrame", 0), info.get("endFrame")
        frames = end - start + (0 if self.end_exclusive else 1)
        record = info.get("recordFrame", self.GetEndFrame())
        items = self.tracks[kind][index - 1][1]
        if any(i.start < record + frames and record < i.start + i.duration for i in items):
            return None  # the real one would overwrite or ripple; placing onto new tracks never should
        item = TimelineItem(self, info["mediaPoolItem"], record, frames, start, info.get("mediaType", 1))
        items.append(item)
        return item


class MediaPool:
    def __init__(self, project) -> None:
        self.project = project
        self.root = Folder("Master")
        self.current = self.root
        self.fail_append_after: int | None = None  # fail the Nth AppendToTimeline call (a modal dialog, say)
        self.appends = 0

    def GetRootFolder(self):
        return self.root

    def AddSubFolder(self, folder, name):
        if any(f.name == name for f in folder.subfolders):
            return None
        sub = Folder(name)
        folder.subfolders.append(sub)
        return sub

    def DeleteFolders(self, folders):
        self.root.subfolders = [f for f in self.root.subfolders if f not in folders]
        return True

    def SetCurrentFolder(self, folder):
        self.current = folder
        return True

    def GetCurrentFolder(self):
        return self.current

    def ImportMedia(self, paths):
        items = []
        for path in paths:
            if not Path(path).exists():
                return []
            item = MediaPoolItem(path)
            self.current.clips.append(item)
            items.append(item)
        return items

    def AppendToTimeline(self, infos):
        self.appends += 1
        if self.fail_append_after is not None and self.appends >= self.fail_append_after:
            return False
        timeline = self.project.GetCurrentTimeline()
        if not isinstance(infos, list) or any(isinstance(v, float) for i in infos for v in i.values()):
            return False  # one float fails the whole batch
        placed = [timeline.place(info) for info in infos]
        if any(p is None for p in placed):
            timeline.DeleteClips([p for p in placed if p is not None])
            return False
        return placed

    def ImportTimelineFromFile(self, path, options=None):
        name = (options or {}).get("timelineName") or Path(path).stem
        try:
            tl = otio.adapters.read_from_file(str(path))
        except Exception:
            return None
        timeline = Timeline(name)
        start = round(tl.global_start_time.value) if tl.global_start_time else 0
        timeline.start_frame = start
        for track in tl.tracks:
            kind = "video" if track.kind == otio.schema.TrackKind.Video else "audio"
            timeline.tracks[kind].append([track.name, []])
            for clip in track.find_clips():
                rng = track.range_of_child(clip)
                url = clip.media_reference.target_url.replace("file://", "")
                timeline.tracks[kind][-1][1].append(TimelineItem(
                    timeline, MediaPoolItem(url), start + round(rng.start_time.value), round(rng.duration.value),
                    round(clip.source_range.start_time.value)))
        self.project.timelines.append(timeline)
        return timeline


class Project:
    def __init__(self, timeline: Timeline | None) -> None:
        self.timelines = [timeline] if timeline else []
        self.current = timeline
        self.media_pool = MediaPool(self)

    def GetName(self):
        return "Project"

    def GetCurrentTimeline(self):
        return self.current

    def GetMediaPool(self):
        return self.media_pool

    def GetTimelineCount(self):
        return len(self.timelines)


class ProjectManager:
    def __init__(self, project: Project | None) -> None:
        self.project = project

    def GetCurrentProject(self):
        return self.project


class Resolve:
    EXPORT_OTIO = 16
    EXPORT_NONE = 0

    def __init__(self, project: Project | None, version: str = "21.1.0", product: str = "DaVinci Resolve Studio"):
        self.manager = ProjectManager(project)
        self.version = version
        self.product = product

    def GetProjectManager(self):
        return self.manager

    def GetVersionString(self):
        return self.version

    def GetProductName(self):
        return self.product


class OldResolve(Resolve):
    """Resolve 18.x: no OTIO export constant, endFrame inclusive."""

    EXPORT_OTIO = None

    def __init__(self, project: Project | None) -> None:
        super().__init__(project, version="18.6.6")


def sample_resolve(samples_dir: Path, *, old: bool = False) -> Resolve:
    """The sample cut (shot_a then shot_b, 01:00:00:00 at 24 fps) with its three markers."""
    timeline = Timeline("retake_sample", end_exclusive=not old)
    timeline.AddTrack("video")
    timeline.AddTrack("audio", "stereo")
    record = timeline.start_frame
    for media, src_in, frames in (("shot_a", 24, 240), ("shot_b", 48, 216)):
        pool_item = MediaPoolItem(str(samples_dir / "media" / f"{media}.mp4"))
        timeline.tracks["video"][0][1].append(TimelineItem(timeline, pool_item, record, frames, src_in))
        timeline.tracks["audio"][0][1].append(TimelineItem(timeline, pool_item, record, frames, src_in, 2))
        record += frames
    timeline.AddMarker(48, "Blue", "sky", "Replace the grey sky with a stormy sunset", 72)
    timeline.AddMarker(204, "Blue", "crossing", "A cyclist rides through the frame\nmode: both", 72)
    timeline.AddMarker(336, "Green", "line", "She says: we are late\nmode: audio", 60)
    project = Project(timeline)
    return OldResolve(project) if old else Resolve(project)
