"""Check, on a real DaVinci Resolve, the behaviours the tests' fake Resolve assumes.

Run it from Workspace > Scripts (or with external scripting) on a scratch
project with an open timeline that has at least one video clip. It only adds
and then removes a track, a marker and a bin; it prints one line per check:

    OK   <behaviour>
    DIFF <behaviour>: <what Resolve did>

Send the output to the otio-retake developers if any line says DIFF.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import otio_retake_resolve as plugin  # noqa: E402


def check(name, ok, detail=""):
    print(("OK   " if ok else "DIFF ") + name + ("" if ok else ": " + str(detail)))


def probe(resolve):
    project, timeline = plugin.current_timeline(resolve)
    start = timeline.GetStartFrame()
    check("GetStartFrame() is an integer", isinstance(start, int), type(start))
    check("timelineFrameRate is a string", isinstance(timeline.GetSetting("timelineFrameRate"), str))
    clips = timeline.GetItemListInTrack("video", 1) or []
    check("GetItemListInTrack is 1-based", clips is not None and timeline.GetItemListInTrack("video", 0) in (None, []))
    if not clips:
        print("DIFF need a clip on video track 1 to go on")
        return
    clip = clips[0]
    pool_item = clip.GetMediaPoolItem()
    path = pool_item.GetClipProperty("File Path")
    check("File Path is absolute", os.path.isabs(path), path)
    ok = timeline.AddMarker(0, "Blue", "probe", "note", 12, "")
    check("AddMarker at a relative frame", ok)
    check("UpdateMarkerCustomData where a marker is", timeline.UpdateMarkerCustomData(0, "x"))
    check("UpdateMarkerCustomData fails where there is none", not timeline.UpdateMarkerCustomData(3, "x"))
    timeline.DeleteMarkerAtFrame(0)
    pool = project.GetMediaPool()
    folder = pool.AddSubFolder(pool.GetRootFolder(), "otio-retake probe")
    pool.SetCurrentFolder(folder)
    [item] = pool.ImportMedia([path])
    check("ImportMedia keeps the path", item.GetClipProperty("File Path") == path)
    before = timeline.GetTrackCount("video")
    timeline.AddTrack("video")
    index = timeline.GetTrackCount("video")
    check("AddTrack appends a track", index == before + 1)
    record = start + 24
    placed = pool.AppendToTimeline([{"mediaPoolItem": item, "startFrame": 0, "endFrame": 24, "mediaType": 1,
                                     "trackIndex": index, "recordFrame": record}])
    check("AppendToTimeline with integers places a clip", bool(placed))
    if placed:
        check("recordFrame is absolute", placed[0].GetStart() == record, placed[0].GetStart())
        check("endFrame is exclusive (24 frames)", placed[0].GetDuration() == 24, placed[0].GetDuration())
        timeline.DeleteClips(placed)
    floats = pool.AppendToTimeline([{"mediaPoolItem": item, "startFrame": 0.0, "endFrame": 24.0, "mediaType": 1,
                                     "trackIndex": index, "recordFrame": float(record)}])
    check("a float frame fails the batch", not floats, floats)
    if floats:
        timeline.DeleteClips(floats)
    timeline.DeleteTrack("video", index)
    if hasattr(clip, "AddTake"):
        took = clip.AddTake(item, 0, 24)
        check("AddTake keeps the original selected", took and clip.GetSelectedTakeIndex() == 1,
              clip.GetSelectedTakeIndex())
        if took:
            clip.DeleteTakeByIndex(clip.GetTakesCount())
            if clip.GetTakesCount() == 1:
                clip.FinalizeTake()
            check("FinalizeTake with only the original makes a plain clip again", clip.GetTakesCount() in (0, 1))
    if hasattr(pool, "DeleteFolders"):
        pool.DeleteFolders([folder])


if __name__ == "__main__":
    try:
        app = resolve  # noqa: F821 - a global inside Resolve
    except NameError:
        app = plugin.connect()
    probe(app)
