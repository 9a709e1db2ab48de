/*
 * Paste into the UXP Developer Tool's console for the loaded Retake panel (Premiere Pro 25.6+), with a
 * SCRATCH project open whose active sequence has one video clip and one marker. It checks, one by one,
 * the behaviours test/fake_premierepro.js assumes (its numbered list), prints PASS / FAIL / ? for each,
 * and leaves one undo step per edit it tries (Edit > Undo them afterwards). Send the output to the
 * otio-retake maintainers: where Premiere disagrees, the fake is changed to match Premiere.
 */
(async () => {
  const ppro = require("premierepro");
  const out = [];
  const say = (n, ok, what) => { out.push((ok === true ? "PASS " : ok === false ? "FAIL " : "?    ") + n + ". " + what); };
  try {
    const project = await ppro.Project.getActiveProject();
    const seq = await project.getActiveSequence();
    const timebase = await seq.getTimebase();
    const zero = await seq.getZeroPoint();
    say(0, typeof timebase === "string" && typeof zero.ticks === "string", "getTimebase() " + JSON.stringify(timebase) +
      ", getZeroPoint().ticks " + JSON.stringify(zero.ticks));
    const markers = (await ppro.Markers.getMarkers(seq)).getMarkers();
    const m = markers[0];
    say(4, m && typeof m.getColorIndex === "function", "Marker.getColorIndex() " +
      (m && typeof m.getColorIndex === "function" ? "= " + m.getColorIndex() + " (compare with the marker's colour)" : "missing"));
    say(5, null, "first marker starts at " + (m ? m.getStart().ticks : "-") + " ticks; zero point " + zero.ticks +
      ": PASS if the marker's time is from the sequence start (smaller than the zero point for a 01:00:00:00 sequence)");
    const vcount = await seq.getVideoTrackCount();
    const acount = await seq.getAudioTrackCount();
    const track = await seq.getVideoTrack(0);
    const item = track.getTrackItems(ppro.Constants.TrackItemType.CLIP, false)[0];
    const projectItem = await item.getProjectItem();
    const clip = ppro.ClipProjectItem.cast(projectItem);
    const rootItem = await project.getRootItem();
    say(9, !ppro.ClipProjectItem.cast(rootItem) && !!ppro.FolderItem.cast(rootItem), "cast() is falsy for another kind");
    const path = await clip.getMediaFilePath();
    const binName = "Retake probe " + Date.now();
    project.lockedAccess(() => {
      const action = rootItem.createBinAction(binName, true);
      project.executeTransaction((ca) => { ca.addAction(action); }, "Retake probe: bin");
    });
    const bin = (await rootItem.getItems()).map((i) => ppro.FolderItem.cast(i)).find((f) => f && f.name === binName);
    say(8, !!bin, "createBinAction made '" + binName + "' under the root item");
    const imported = await project.importFiles([path], true, bin, false);
    const items = bin ? await bin.getItems() : [];
    const again = items.length ? ppro.ClipProjectItem.cast(items[0]) : null;
    say(6, imported === true && again && (await again.getMediaFilePath()) === path,
      "importFiles -> " + imported + ", bin holds " + items.length + " item(s) with the same path");
    const missing = await project.importFiles([path + ".missing.mp4"], true, bin, false);
    say(6, missing === false, "importFiles of a missing file -> " + missing);
    const tpf = BigInt(timebase);
    const at = ppro.TickTime.createWithTicks((tpf * 10n).toString());
    project.lockedAccess(() => {
      const editor = ppro.SequenceEditor.getEditor(seq);
      const a = again.createSetInOutPointsAction(ppro.TickTime.createWithTicks((tpf * 5n).toString()),
        ppro.TickTime.createWithTicks((tpf * 17n).toString()));
      const b = editor.createOverwriteItemAction(again, at, vcount, -1);
      project.executeTransaction((ca) => { ca.addAction(a); ca.addAction(b); }, "Retake probe: place");
    });
    const vafter = await seq.getVideoTrackCount();
    const aafter = await seq.getAudioTrackCount();
    say(1, vafter === vcount + 1, "overwrite at video track index " + vcount + " (the count): tracks " + vcount + " -> " + vafter);
    say(2, aafter === acount, "audio track index -1 placed no audio: audio tracks " + acount + " -> " + aafter);
    if (vafter > vcount) {
      const placed = (await seq.getVideoTrack(vcount)).getTrackItems(ppro.Constants.TrackItemType.CLIP, false)[0];
      const s = placed ? await placed.getStartTime() : null;
      const e = placed ? await placed.getEndTime() : null;
      const i = placed ? await placed.getInPoint() : null;
      say(3, placed && BigInt(s.ticks) === tpf * 10n && BigInt(e.ticks) - BigInt(s.ticks) === tpf * 12n && BigInt(i.ticks) === tpf * 5n,
        "in/out set first: placed at " + (s && s.ticks) + " for " + (s && e ? BigInt(e.ticks) - BigInt(s.ticks) : "-") +
        " ticks from media " + (i && i.ticks) + " (want " + tpf * 10n + ", " + tpf * 12n + ", " + tpf * 5n + ")");
      const newTrack = await seq.getVideoTrack(vcount);
      const before = newTrack.name;
      if (typeof newTrack.createSetNameAction === "function") {
        project.lockedAccess(() => {
          const a = newTrack.createSetNameAction("Retake probe");
          project.executeTransaction((ca) => { ca.addAction(a); }, "Retake probe: name");
        });
      }
      const renamed = (await seq.getVideoTrack(vcount)).name;
      say(10, renamed === "Retake probe", "new track named " + JSON.stringify(before) + ", after createSetNameAction " + JSON.stringify(renamed));
    }
    say(7, null, "open Edit > Undo: it should read 'Undo Retake probe: place' and take both edits back at once");
  } catch (exc) {
    out.push("ERROR " + (exc && exc.stack || exc));
  }
  console.log(out.join("\n"));
  return out;
})();
