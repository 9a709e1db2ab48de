"""otio-retake inside DaVinci Resolve: retake the marked ranges of the current timeline, conform the picks.

Runs in Resolve's own Python (Workspace > Scripts), so it uses the standard
library only and hands the heavy work to the installed ``otio-retake`` in a
subprocess, with a JSON contract (``otio-retake run ... --report FILE``).

    retake_marked_ranges(resolve, provider="preview", marker_color=None, mode=None, takes=None,
                         command=None, workspace=None) -> {"bin": name, "ranges": [...]}
    conform_retakes(resolve, picks=None, command=None) -> {"timeline": name, "picks": {...}}

Resolve's conventions kept here (nle.md): timeline marker frames are relative
to the timeline start (add ``GetStartFrame()``); ``recordFrame`` is absolute;
frames are integers; ``endFrame`` is exclusive on Resolve 21 and was
inclusive before 19, so every placed duration is read back with
``GetDuration()`` and corrected; calls fail with ``False``/``None``, which
become a ``ResolveScriptError`` saying what failed and what to do. Anything
placed by a run that fails is removed again: nothing half-placed stays.
"""

import json
import os
import subprocess
import tempfile
import time

__all__ = ["retake_marked_ranges", "conform_retakes", "ResolveScriptError", "load_settings", "SETTINGS_NAME"]

SETTINGS_NAME = "otio_retake_settings.json"
HERE = os.path.dirname(os.path.abspath(__file__))
NAMESPACE = "otio_retake"
RESOLVE_TO_OTIO_COLOR = {
    "Blue": "BLUE", "Cyan": "CYAN", "Green": "GREEN", "Yellow": "YELLOW", "Red": "RED", "Pink": "PINK",
    "Purple": "PURPLE", "Fuchsia": "MAGENTA", "Rose": "PINK", "Lavender": "PURPLE", "Sky": "CYAN", "Mint": "GREEN",
    "Lemon": "YELLOW", "Sand": "ORANGE", "Cocoa": "ORANGE", "Cream": "WHITE",
}
MEDIA_VIDEO, MEDIA_AUDIO = 1, 2


class ResolveScriptError(Exception):
    def __init__(self, message, hint=None):
        Exception.__init__(self, message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return self.message + ("\n  hint: " + self.hint if self.hint else "")


def _need(value, what, hint=None):
    """Resolve answers failure with False or None: turn it into an error that says what failed."""
    if value is None or value is False:
        raise ResolveScriptError("Resolve could not " + what, hint or
                                 "close any open dialog in Resolve (calls fail while one is open) and try again")
    return value


def load_settings(folder=HERE):
    path = os.path.join(folder, SETTINGS_NAME)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _command(command, settings):
    command = command or settings.get("command")
    if not command:
        raise ResolveScriptError("otio-retake was not found: no command was given and none was recorded at install",
                                 "run `otio-retake install resolve` in the environment where otio-retake is installed")
    return list(command)


# ------------------------------------------------------------------------------------------ reading Resolve

def current_timeline(resolve):
    if resolve is None:
        raise ResolveScriptError("not running inside DaVinci Resolve, and external scripting did not connect",
                                 "run it from Workspace > Scripts, or enable Preferences > System > General > "
                                 "External scripting using = Local (Studio) and run `otio-retake doctor resolve`")
    manager = _need(resolve.GetProjectManager(), "reach the project manager")
    project = _need(manager.GetCurrentProject(), "find an open project", "open a project first")
    timeline = project.GetCurrentTimeline()
    if not timeline:
        raise ResolveScriptError("no timeline is open", "open the timeline whose marked ranges you want to retake")
    return project, timeline


def timeline_rate(timeline):
    """The rate as (numerator, denominator): Resolve gives a string such as "23.976" or "24"."""
    text = str(timeline.GetSetting("timelineFrameRate") or "24").strip()
    exact = {"23.976": (24000, 1001), "29.97": (30000, 1001), "47.952": (48000, 1001), "59.94": (60000, 1001),
             "119.88": (120000, 1001)}
    if text in exact:
        return exact[text]
    value = float(text.split()[0])
    return (int(round(value)), 1) if abs(value - round(value)) < 1e-6 else (int(round(value * 1000)), 1000)


def read_markers(timeline, colors=None):
    """Timeline markers as dicts with relative and absolute frames, oldest first."""
    start = int(timeline.GetStartFrame())
    wanted = set(colors or [])
    out = []
    for frame, info in sorted((timeline.GetMarkers() or {}).items()):
        if wanted and info.get("color") not in wanted:
            continue
        out.append({"frame": int(frame), "record_frame": start + int(frame), "color": info.get("color", "Blue"),
                    "duration": int(info.get("duration", 1)), "note": info.get("note", ""),
                    "name": info.get("name", ""), "customData": info.get("customData", ""),
                    "marker_id": marker_id(int(frame), info.get("customData", ""))})
    return out


def marker_id(frame, custom_data):
    """The id a range follows (never the marker's name): the one a run left in the marker's customData, else
    its frame and customData (Resolve keeps one marker per frame). A run writes it into the customData it
    leaves on the marker, so the marker keeps it when moved or renamed."""
    try:
        data = json.loads(custom_data or "{}")
    except ValueError:
        data = None
    ours = data.get(NAMESPACE) if isinstance(data, dict) else None
    if isinstance(ours, dict) and ours.get("marker_id"):
        return str(ours["marker_id"])
    return "resolve:%d:%s" % (frame, custom_data) if custom_data else "resolve:%d" % frame


def _rt(value, rate):
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": float(value)}


def _tr(start, duration, rate):
    return {"OTIO_SCHEMA": "TimeRange.1", "duration": _rt(duration, rate), "start_time": _rt(start, rate)}


def _marker(marker, rate, start):
    note = marker["note"]
    return {"OTIO_SCHEMA": "Marker.2", "name": marker["name"], "color": RESOLVE_TO_OTIO_COLOR.get(marker["color"], "RED"),
            "marked_range": _tr(marker["frame"], max(0, marker["duration"]), rate), "comment": note,
            "metadata": {"Resolve_OTIO": {"Note": note, "Color": marker["color"]},
                         NAMESPACE: {"origin": "Resolve timeline marker at frame %d" % (start + marker["frame"]),
                                     "customData": marker["customData"], "marker_id": marker["marker_id"]}}}


def build_otio(timeline, rate_fraction):
    """The video tracks of the timeline as OTIO JSON, from the scripting API (when Export is not there)."""
    rate = rate_fraction[0] / float(rate_fraction[1])
    start = int(timeline.GetStartFrame())
    tracks = []
    for index in range(1, int(timeline.GetTrackCount("video") or 0) + 1):
        children, cursor = [], start
        items = sorted(timeline.GetItemListInTrack("video", index) or [], key=lambda i: i.GetStart())
        for item in items:
            if item.GetStart() > cursor:
                children.append({"OTIO_SCHEMA": "Gap.1", "name": "", "metadata": {}, "effects": [], "markers": [],
                                 "enabled": True, "source_range": _tr(0, item.GetStart() - cursor, rate)})
            pool_item = item.GetMediaPoolItem()
            path = pool_item.GetClipProperty("File Path") if pool_item else ""
            source_in = item.GetSourceStartFrame() if hasattr(item, "GetSourceStartFrame") else item.GetLeftOffset()
            reference = ({"OTIO_SCHEMA": "ExternalReference.1", "name": "", "metadata": {}, "available_range": None,
                          "target_url": path} if path else
                         {"OTIO_SCHEMA": "MissingReference.1", "name": "", "metadata": {}, "available_range": None})
            children.append({"OTIO_SCHEMA": "Clip.1", "name": item.GetName(), "metadata": {}, "effects": [],
                             "markers": [], "enabled": True, "media_reference": reference,
                             "source_range": _tr(source_in, item.GetDuration(), rate)})
            cursor = item.GetStart() + item.GetDuration()
        tracks.append({"OTIO_SCHEMA": "Track.1", "name": timeline.GetTrackName("video", index) or "V%d" % index,
                       "kind": "Video", "metadata": {}, "effects": [], "markers": [], "enabled": True,
                       "source_range": None, "children": children})
    return {"OTIO_SCHEMA": "Timeline.1", "name": timeline.GetName(), "metadata": {},
            "global_start_time": _rt(start, rate),
            "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "metadata": {}, "effects": [], "markers": [],
                       "enabled": True, "source_range": None, "children": tracks}}


def _strip_markers(node):
    if isinstance(node, dict):
        if "markers" in node:
            node["markers"] = []
        for value in node.values():
            _strip_markers(value)
    elif isinstance(node, list):
        for value in node:
            _strip_markers(value)


def timeline_as_otio(resolve, timeline, markers, rate_fraction, folder):
    """The timeline as an OTIO file whose only markers are ``markers`` (read through the API)."""
    path = os.path.join(folder, "timeline.otio")
    exported = False
    export_type = getattr(resolve, "EXPORT_OTIO", None)
    if export_type is not None:
        exported = bool(timeline.Export(path, export_type, getattr(resolve, "EXPORT_NONE", 0)))
    if exported:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
    else:
        document = build_otio(timeline, rate_fraction)
    _strip_markers(document)  # the API's markers, with their notes and customData, are the ones that count
    rate = rate_fraction[0] / float(rate_fraction[1])
    start = int(timeline.GetStartFrame())
    document["tracks"]["markers"] = [_marker(m, rate, start) for m in markers]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(document, fh)
    return path, ("exported" if exported else "built from the API")


# ------------------------------------------------------------------------------------------ running

# otio-retake's exit codes (its README, "Exit codes") that are not failures: 4 some markers were skipped (the
# others are done; the report lists the skipped ones), 6 `plan` only: some ranges' media is not on this machine.
SOME_SKIPPED_EXIT = 4
MEDIA_OFFLINE_EXIT = 6


def _run(command, args, log=print, ok=(0,)):
    try:
        process = subprocess.Popen(command + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True)
    except OSError as exc:
        raise ResolveScriptError("otio-retake could not be started (%s: %s)" % (" ".join(command), exc),
                                 "run `otio-retake install resolve` again from the environment where it is "
                                 "installed, or fix the command in %s" % SETTINGS_NAME)
    errors = []
    for line in process.stderr:
        line = line.rstrip()
        errors.append(line)
        log(line)
    output = process.stdout.read()
    process.wait()
    if process.returncode not in ok:
        detail = "\n".join(errors[-12:]) or output[-2000:]
        raise ResolveScriptError("otio-retake failed:\n" + detail)
    return output


# ------------------------------------------------------------------------------------------ writing back

class _Placement:
    """What one run added to the timeline, so that a failure can take all of it away again."""

    def __init__(self, project, timeline):
        self.project, self.timeline = project, timeline
        self.media_pool = project.GetMediaPool()
        self.items, self.tracks, self.takes, self.folder = [], [], [], None
        self.end_inclusive = None  # learned from the first placement's GetDuration()

    def track(self, kind, name):
        if kind == "audio":
            ok = self.timeline.AddTrack("audio", "stereo")
        else:
            ok = self.timeline.AddTrack("video")
        _need(ok, "add a %s track" % kind)
        index = int(self.timeline.GetTrackCount(kind))
        self.tracks.append((kind, index))
        _need(self.timeline.SetTrackName(kind, index, name), "name the new %s track '%s'" % (kind, name))
        return index

    def place(self, item, head, duration, track_index, record_frame, media_type):
        end = head + duration - (1 if self.end_inclusive else 0)
        info = {"mediaPoolItem": item, "startFrame": int(head), "endFrame": int(end), "mediaType": media_type,
                "trackIndex": int(track_index), "recordFrame": int(record_frame)}
        placed = self.media_pool.AppendToTimeline([info])
        _need(placed, "place a take at frame %d on track %d" % (record_frame, track_index))
        clip = placed[0]
        self.items.append(clip)
        got = int(clip.GetDuration())
        if got == duration + 1 and self.end_inclusive is None:  # endFrame was inclusive: this Resolve is older
            self.timeline.DeleteClips([clip])
            self.items.remove(clip)
            self.end_inclusive = True
            return self.place(item, head, duration, track_index, record_frame, media_type)
        self.end_inclusive = bool(self.end_inclusive)
        if got != duration or int(clip.GetStart()) != record_frame:
            raise ResolveScriptError("a take landed at frame %d for %d frames instead of %d for %d"
                                     % (clip.GetStart(), got, record_frame, duration))
        return clip

    def undo(self):
        if self.items:
            self.timeline.DeleteClips(self.items)
        for clip, index in reversed(self.takes):
            clip.DeleteTakeByIndex(index)
            if int(clip.GetTakesCount() or 0) == 1:  # only the original is left: back to a plain clip
                clip.FinalizeTake()
        for kind, index in sorted(self.tracks, reverse=True):
            self.timeline.DeleteTrack(kind, index)
        if self.folder is not None and hasattr(self.media_pool, "DeleteFolders"):
            self.media_pool.DeleteFolders([self.folder])


def _import_takes(placement, paths, bin_name):
    pool = placement.media_pool
    folder = _need(pool.AddSubFolder(_need(pool.GetRootFolder(), "open the Media Pool"), bin_name),
                   "make the Media Pool bin '%s'" % bin_name)
    placement.folder = folder
    _need(pool.SetCurrentFolder(folder), "open the bin '%s'" % bin_name)
    items = _need(pool.ImportMedia(paths), "import the takes into the Media Pool")
    by_path = {}
    for item in items:
        by_path[os.path.normcase(os.path.abspath(item.GetClipProperty("File Path")))] = item
    missing = [p for p in paths if os.path.normcase(os.path.abspath(p)) not in by_path]
    if missing:
        raise ResolveScriptError("Resolve did not import: " + ", ".join(missing))
    return by_path


def _covering_clip(timeline, track_index, record_frame, duration):
    for item in timeline.GetItemListInTrack("video", track_index) or []:
        if item.GetStart() <= record_frame and item.GetStart() + item.GetDuration() >= record_frame + duration:
            return item
    return None


def retake_marked_ranges(resolve, provider="preview", marker_color=None, mode=None, takes=None, command=None,
                         workspace=None, confirm=None, log=print, settings=None):
    """Retake the marked ranges of the current timeline and bring the takes back into it."""
    settings = load_settings() if settings is None else settings
    project, timeline = current_timeline(resolve)
    colors = [marker_color] if isinstance(marker_color, str) else list(marker_color or settings.get("marker_colors") or [])
    markers = read_markers(timeline, colors)
    if not markers:
        seen = read_markers(timeline)
        raise ResolveScriptError(
            "no qualifying markers on timeline '%s'%s" % (timeline.GetName(), (" (%d marker(s) of other colours)"
                                                                                 % len(seen)) if seen else ""),
            "mark each range with a timeline marker whose duration covers it and whose note is the prompt")
    command = _command(command, settings)
    rate = timeline_rate(timeline)
    workspace = workspace or settings.get("workspace") or os.path.join(tempfile.gettempdir(), "otio-retake-resolve")
    run_dir = os.path.join(workspace, "%s-%s" % (_safe(timeline.GetName()), time.strftime("%Y%m%d-%H%M%S")))
    os.makedirs(run_dir, exist_ok=True)
    otio_path, how = timeline_as_otio(resolve, timeline, markers, rate, run_dir)
    log("otio-retake: %d marker(s) on '%s' (timeline %s)" % (len(markers), timeline.GetName(), how))
    options = ["--provider", provider]
    if mode:
        options += ["--mode", mode]
    if takes:
        options += ["--takes", str(int(takes))]
    options += list(settings.get("extra_args") or [])
    if confirm is not None:
        plan = json.loads(_run(command, ["plan", otio_path, "--json"] + options, log,
                               ok=(0, SOME_SKIPPED_EXIT, MEDIA_OFFLINE_EXIT)))
        cost = sum(row.get("cost_usd", 0) for row in plan)
        if not confirm(plan, cost):
            return {"bin": None, "ranges": [], "cancelled": True}
    out_path = os.path.join(run_dir, "retakes.otio")
    report_path = os.path.join(run_dir, "report.json")
    _run(command, ["run", otio_path, "-o", out_path, "--workspace", os.path.join(workspace, "jobs"),
                   "--report", report_path, "--yes", "--force"] + options, log, ok=(0, SOME_SKIPPED_EXIT))
    with open(report_path, encoding="utf-8") as fh:
        report = json.load(fh)
    bin_name = "Retakes %s %s" % (timeline.GetName(), time.strftime("%Y-%m-%d %H:%M:%S"))
    placement = _Placement(project, timeline)
    try:
        summary = _place(placement, timeline, report, markers, bin_name, out_path, workspace)
    except Exception:
        placement.undo()
        raise
    return summary


def _place(placement, timeline, report, markers, bin_name, out_path, workspace):
    takes = report["takes"]
    by_path = _import_takes(placement, sorted({t["path"] for t in takes}), bin_name)
    video_tracks, audio_tracks = {}, {}
    ranges = {}
    start = int(timeline.GetStartFrame())
    for take in takes:
        item = by_path[os.path.normcase(os.path.abspath(take["path"]))]
        letter, name = take["take"], "Retake " + take["take"]
        if take["has_video"]:
            if letter not in video_tracks:
                video_tracks[letter] = placement.track("video", name)
            placement.place(item, take["head"], take["duration"], video_tracks[letter], take["record_frame"],
                            MEDIA_VIDEO)
            source = _covering_clip(timeline, take["track_index"] + 1, take["record_frame"], take["duration"])
            if source is not None and hasattr(source, "AddTake"):
                _need(source.AddTake(item, int(take["head"]), int(take["head"] + take["duration"])),
                      "add take %s to the Take Selector of '%s'" % (letter, source.GetName()))
                placement.takes.append((source, int(source.GetTakesCount())))
                if source.GetSelectedTakeIndex() != 1:
                    source.SelectTakeByIndex(1)  # the original stays the selected take
        if take["mode"] in ("audio", "both"):
            if letter not in audio_tracks:
                audio_tracks[letter] = placement.track("audio", name)
            placement.place(item, take["head"], take["duration"], audio_tracks[letter], take["record_frame"],
                            MEDIA_AUDIO)
        entry = ranges.setdefault(take["range"], {"name": take["range"], "record_frame": take["record_frame"],
                                                  "duration": take["duration"], "track": name, "takes": [],
                                                  "letters": {}, "job_ids": [],
                                                  "marker_id": take.get("marker_id", "")})
        entry["takes"].append(take["path"])
        entry["letters"][letter] = take["path"]
        entry["job_ids"].append(take["job_id"])
    for entry in ranges.values():  # leave the run on each range's marker, for conform and for people
        data = json.dumps({NAMESPACE: {"range": entry["name"], "takes": entry["letters"], "jobs": entry["job_ids"],
                                       "output": out_path, "record_frame": entry["record_frame"],
                                       "duration": entry["duration"], "marker_id": entry["marker_id"]}})
        frame = entry["record_frame"] - start
        if not timeline.UpdateMarkerCustomData(frame, data):
            _need(timeline.AddMarker(frame, "Blue", entry["name"], "otio-retake", entry["duration"], data),
                  "leave a marker at frame %d" % entry["record_frame"])
    return {"bin": bin_name, "ranges": [{k: v for k, v in e.items() if k in ("name", "record_frame", "duration",
                                                                              "track", "takes")}
                                        for e in ranges.values()],
            "warnings": report.get("warnings", []) + [  # the markers not retaken, where and why
                "skipped '%s' at %s: %s" % (s["name"], s.get("record_in") or "?", s["reason"])
                for s in report.get("skipped", [])], "output": out_path}


# ------------------------------------------------------------------------------------------ conform

def _retake_markers(timeline):
    out = []
    for frame, info in sorted((timeline.GetMarkers() or {}).items()):
        try:
            data = json.loads(info.get("customData") or "{}").get(NAMESPACE)
        except ValueError:
            data = None
        if data:
            out.append(data)
    return out


def _picked_letter(timeline, data):
    """The take chosen in Resolve: the Take Selector's selection, else the one enabled Retake clip."""
    letters = data["takes"]
    path_to_letter = {os.path.normcase(os.path.abspath(p)): k for k, p in letters.items()}
    for index in range(1, int(timeline.GetTrackCount("video") or 0) + 1):
        source = _covering_clip(timeline, index, data["record_frame"], data["duration"])
        if source is None or not hasattr(source, "GetTakesCount") or int(source.GetTakesCount() or 0) < 2:
            continue
        selected = int(source.GetSelectedTakeIndex() or 1)
        if selected > 1:
            take = source.GetTakeByIndex(selected) or {}
            pool_item = take.get("mediaPoolItem")
            if pool_item is not None:
                letter = path_to_letter.get(os.path.normcase(os.path.abspath(pool_item.GetClipProperty("File Path"))))
                if letter:
                    return letter
    enabled = set()
    for index in range(1, int(timeline.GetTrackCount("video") or 0) + 1):
        name = timeline.GetTrackName("video", index) or ""
        if not name.startswith("Retake "):
            continue
        for item in timeline.GetItemListInTrack("video", index) or []:
            if item.GetStart() == data["record_frame"] and item.GetClipEnabled():
                enabled.add(name.split(" ")[1])
    return enabled.pop() if len(enabled) == 1 else None


def conform_retakes(resolve, picks=None, command=None, log=print, settings=None):
    """Build the conformed cut of the current timeline as a new timeline (the original is not touched)."""
    settings = load_settings() if settings is None else settings
    project, timeline = current_timeline(resolve)
    ranges = _retake_markers(timeline)
    if not ranges:
        raise ResolveScriptError("this timeline has no ranges retaken by otio-retake",
                                 "run Retake Marked Ranges first: its markers record where the takes are")
    picks = dict(picks or {})
    for data in ranges:
        if data["range"] not in picks:
            letter = _picked_letter(timeline, data)
            if letter:
                picks[data["range"]] = letter
    if not picks:
        raise ResolveScriptError("no take is picked",
                                 "select a take in the Take Selector, or disable all but one clip on the Retake "
                                 "tracks for a range")
    outputs = {d["output"] for d in ranges}
    command = _command(command, settings)
    results = []
    for output in sorted(outputs):
        chosen = {d["range"]: picks[d["range"]] for d in ranges if d["output"] == output and d["range"] in picks}
        if not chosen:
            continue
        final = output.replace(".otio", "") + "-conformed.otio"
        args = ["conform", output, "-o", final, "--force"]
        for name, letter in sorted(chosen.items()):
            args += ["--pick", "%s=%s" % (name, letter)]
        _run(command, args, log)
        name = "%s conformed %s" % (timeline.GetName(), time.strftime("%H%M%S"))
        pool = project.GetMediaPool()
        _need(pool.ImportTimelineFromFile(final, {"timelineName": name}), "import the conformed timeline " + final)
        results.append({"timeline": name, "file": final, "picks": chosen})
    return {"timeline": results[0]["timeline"] if results else None, "picks": picks, "conformed": results}


def _safe(text):
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text or "timeline")[:60]


# ------------------------------------------------------------------------------------------ menu scripts

def connect():
    """Resolve from outside (Studio, external scripting on): None when it cannot be reached."""
    try:
        import DaVinciResolveScript as dvr  # noqa: N813 - Blackmagic's module name
    except ImportError:
        return None
    return dvr.scriptapp("Resolve")


def ask_options(resolve, settings, env=None):
    """The run's options from a small dialog where Resolve offers UIManager, else from the settings file.

    Returns None when the user cancels.
    """
    defaults = {"provider": settings.get("provider", "preview"), "mode": settings.get("mode"),
                "takes": settings.get("takes"), "marker_color": settings.get("marker_color")}
    bmd = (env or {}).get("bmd")
    fusion = resolve.Fusion() if resolve is not None and hasattr(resolve, "Fusion") else None
    ui = getattr(fusion, "UIManager", None) if fusion is not None else None
    if bmd is None or ui is None:  # Free 19.1+ has no script UI: the settings file decides
        return defaults
    dispatcher = bmd.UIDispatcher(ui)
    hosts = ["preview", "ltx", "fal", "wavespeed", "runware", "gmi", "oxen", "oxen-ltx2", "replicate"]
    colors = ["(all)"] + sorted(RESOLVE_TO_OTIO_COLOR)
    window = dispatcher.AddWindow({"ID": "otioRetake", "WindowTitle": "Retake Marked Ranges",
                                   "Geometry": [200, 200, 380, 190]}, ui.VGroup([
        ui.HGroup([ui.Label({"Text": "Host"}), ui.ComboBox({"ID": "host"})]),
        ui.HGroup([ui.Label({"Text": "Mode"}), ui.ComboBox({"ID": "mode"})]),
        ui.HGroup([ui.Label({"Text": "Takes"}), ui.SpinBox({"ID": "takes", "Minimum": 1, "Maximum": 8,
                                                             "Value": int(defaults["takes"] or 1)})]),
        ui.HGroup([ui.Label({"Text": "Markers"}), ui.ComboBox({"ID": "color"})]),
        ui.HGroup([ui.Button({"ID": "ok", "Text": "Retake"}), ui.Button({"ID": "cancel", "Text": "Cancel"})]),
    ]))
    items = window.GetItems()
    items["host"].AddItems(hosts)
    items["mode"].AddItems(["(from each marker)", "video", "audio", "both"])
    items["color"].AddItems(colors)
    chosen = {}

    def finish(ok):
        if ok:
            chosen.update({"provider": items["host"].CurrentText, "takes": int(items["takes"].Value),
                           "mode": None if items["mode"].CurrentIndex == 0 else items["mode"].CurrentText,
                           "marker_color": None if items["color"].CurrentIndex == 0 else items["color"].CurrentText})
        dispatcher.ExitLoop()

    window.On.ok.Clicked = lambda ev: finish(True)
    window.On.cancel.Clicked = lambda ev: finish(False)
    window.On.otioRetake.Close = lambda ev: finish(False)
    window.Show()
    dispatcher.RunLoop()
    window.Hide()
    return chosen or None


def main(action, env=None):
    """What the menu scripts run: ``action`` is "retake" or "conform"."""
    env = env or {}
    resolve = env.get("resolve") or connect()
    settings = load_settings()
    try:
        if action == "retake":
            options = ask_options(resolve, settings, env)
            if options is None:
                print("otio-retake: cancelled")
                return None
            summary = retake_marked_ranges(resolve, settings=settings, **options)
            for entry in summary["ranges"]:
                print("otio-retake: %s at frame %d for %d frames -> %s" % (entry["name"], entry["record_frame"],
                                                                           entry["duration"], entry["track"]))
            for warning in summary.get("warnings", []):
                print("otio-retake warning: " + warning)
            print("otio-retake: takes are in the Media Pool bin '%s'" % summary["bin"])
        else:
            summary = conform_retakes(resolve, settings=settings)
            print("otio-retake: conformed %s into the new timeline '%s'" % (summary["picks"], summary["timeline"]))
        return summary
    except ResolveScriptError as exc:
        print("otio-retake error: %s" % exc)
        return None
