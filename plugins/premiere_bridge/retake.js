/*
 * otio-retake in Premiere Pro: the panel's logic, with no DOM access.
 *
 * Runs in UXP (require("premierepro") is passed in) and in Node 20 (tests pass a fake with the same API).
 * The heavy work is done by the local bridge (`otio-retake bridge`); this module only reads the active
 * sequence, talks to the bridge and writes the takes back.
 *
 *   await planMarkedRanges(ppro, {bridge, token, provider, markerColor, mode, takes, fetch})
 *   await retakeMarkedRanges(ppro, {bridge, token, provider = "preview", markerColor = null, mode = null,
 *                                   takes = null, maxCostUsd = null, fetch, onProgress = null, onRun = null})
 *       -> {bin, run, ranges: [{name, startTicks, durationTicks, videoTrackIndex, audioTrackIndex, takes}], warnings}
 *   await followRun(ppro, {bridge, token, runId = null, fetch, onProgress = null, onRun = null})
 *       -> the same as retakeMarkedRanges, for a run already started: by this or another panel, or by
 *          `otio-retake run` on the sequence's timeline (runId null: the one in progress for the active sequence)
 *   await runInProgress(ppro, {bridge, token, fetch}) -> the RunStatus of the active sequence's run, or null
 *   await conformRetakes(ppro, {bridge, token, picks, run = null, fetch})
 *
 * Premiere's rules kept here (nle.md): ticks are strings (BigInt for arithmetic: they pass 2**53 in hours);
 * marker and track item times are from the sequence start, in/out points from the media's start; track
 * indices are 0-based; every create*Action is made inside project.lockedAccess and applied by ONE
 * project.executeTransaction, whose callbacks are synchronous, so every await happens before the lock.
 * Takes go onto NEW tracks by overwrite (never insert: nothing on the sequence moves). Anything that fails
 * before the transaction leaves the sequence as it was; the only thing made earlier, the run's bin, is
 * removed again.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.retake = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const TICKS_PER_SECOND = 254016000000n;
  const PLACE_LABEL = "Retake: place takes";
  const CONFORM_LABEL = "Retake: conform picks";
  const COLORS = ["GREEN", "RED", "PURPLE", "ORANGE", "YELLOW", "WHITE", "BLUE", "CYAN"];
  const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  class RetakePanelError extends Error {
    constructor(message, hint) {
      super(message);
      this.name = "RetakePanelError";
      this.hint = hint || null;
    }
  }

  // ---------------------------------------------------------------------------------------- the bridge

  async function call(opts, method, path, body) {
    const fetchFn = opts.fetch || globalThis.fetch;
    const headers = { Accept: "application/json" };
    if (opts.token) headers.Authorization = "Bearer " + opts.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetchFn(opts.bridge.replace(/\/$/, "") + path,
        { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (exc) {
      throw new RetakePanelError("the otio-retake bridge is not running at " + opts.bridge,
        "start it in a terminal with `otio-retake bridge`, then try again (`otio-retake doctor premiere` explains)");
    }
    let data = null;
    try { data = await response.json(); } catch (exc) { data = null; }
    if (response.status === 401) {
      throw new RetakePanelError("the bridge did not accept this panel's token",
        "pair the panel again: type the code `otio-retake bridge` prints");
    }
    if (!response.ok) {
      const message = (data && data.error) || ("the bridge answered HTTP " + response.status);
      throw new RetakePanelError(message, data && data.hint);
    }
    return data;
  }

  async function pair(opts) {
    const data = await call(Object.assign({}, opts, { token: null }), "POST", "/v1/pair", { code: String(opts.code) });
    return data.token;
  }

  function cancelRun(opts, runId) {
    return call(opts, "POST", "/v1/runs/" + encodeURIComponent(runId) + "/cancel");
  }

  // Follows a run's Server-Sent Events; where the response body cannot be streamed, polls the status.
  async function follow(opts, runId, onProgress) {
    const fetchFn = opts.fetch || globalThis.fetch;
    let response = null;
    try {
      response = await fetchFn(opts.bridge.replace(/\/$/, "") + "/v1/runs/" + runId + "/events",
        { headers: { Authorization: "Bearer " + opts.token, Accept: "text/event-stream" } });
    } catch (exc) {
      response = null;
    }
    if (response && response.ok && response.body && response.body.getReader) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        // Lines may end in CRLF, LF or CR (the SSE format allows each): made LF here, a CR at the very end kept
        // until the next chunk says whether an LF follows it.
        buffer = (buffer + decoder.decode(chunk.value, { stream: true })).replace(/\r\n/g, "\n").replace(/\r(?!$)/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (!data) continue;
          const message = JSON.parse(data);
          if (onProgress) onProgress(message);
          if (message.kind === "end") {
            if (reader.cancel) reader.cancel().catch(() => {});
            return call(opts, "GET", "/v1/runs/" + runId);
          }
        }
      }
    }
    for (;;) {  // the fallback: status every half second
      const status = await call(opts, "GET", "/v1/runs/" + runId);
      if (status.status !== "running") return status;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  // ---------------------------------------------------------------------------------------- takes' metadata
  // A take the panel placed carries, in its project item's metadata (Premiere's private project metadata, a
  // text field this panel adds to the schema), which marker it was made for and its letter. The next Retake
  // sends that with the item, so the bridge knows it for a take, whatever it or its track is called: it is
  // never the picture sent, and its marker is not paid for again.
  const TAKE_FIELD = "otioRetakeTake";
  const PRIVATE_NS = "http://ns.adobe.com/premierePrivateProjectMetaData/1.0/";
  const PREFIX = "premierePrivateProjectMetaData";

  function escapeXml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function unescapeXml(text) {
    return String(text).replace(/&quot;/g, '"').replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&");
  }

  /** The take tag in a project item's metadata (XMP), or null: element or attribute form. */
  function takeTag(xmp) {
    const text = String(xmp || "");
    const found = new RegExp("<" + PREFIX + ":" + TAKE_FIELD + ">([^<]*)</" + PREFIX + ":" + TAKE_FIELD + ">").exec(text) ||
      new RegExp(PREFIX + ":" + TAKE_FIELD + "=\"([^\"]*)\"").exec(text);
    if (!found) return null;
    try {
      const tag = JSON.parse(unescapeXml(found[1]));
      return tag && typeof tag.letter === "string" && /^[A-Z]$/.test(tag.letter) ? tag : null;
    } catch (exc) {
      return null;  // someone else's text in the field: not one of our takes
    }
  }

  /** ``xmp`` with the take tag set (any earlier one replaced), the rest of the metadata kept. */
  function withTakeTag(xmp, tag) {
    const value = "<" + PREFIX + ":" + TAKE_FIELD + ">" + escapeXml(JSON.stringify(tag)) + "</" + PREFIX + ":" + TAKE_FIELD + ">";
    let text = String(xmp || "")
      .replace(new RegExp("<" + PREFIX + ":" + TAKE_FIELD + ">[^<]*</" + PREFIX + ":" + TAKE_FIELD + ">", "g"), "")
      .replace(new RegExp("\\s" + PREFIX + ":" + TAKE_FIELD + "=\"[^\"]*\"", "g"), "");
    const open = /<rdf:Description\b[^>]*?(\/?)>/.exec(text);
    if (!open) {
      return '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
        '<rdf:Description rdf:about="" xmlns:' + PREFIX + '="' + PRIVATE_NS + '">' + value +
        "</rdf:Description></rdf:RDF></x:xmpmeta>";
    }
    let start = open[0];
    if (start.indexOf("xmlns:" + PREFIX + "=") < 0) {
      start = start.replace(/(\/?)>$/, " xmlns:" + PREFIX + '="' + PRIVATE_NS + '"$1>');
    }
    if (open[1]) {  // <rdf:Description ... />: give it a body
      start = start.replace(/\s*\/>$/, ">");
      return text.slice(0, open.index) + start + value + "</rdf:Description>" + text.slice(open.index + open[0].length);
    }
    return text.slice(0, open.index) + start + value + text.slice(open.index + open[0].length);
  }

  async function readTakeTag(ppro, projectItem) {
    if (!ppro.Metadata || typeof ppro.Metadata.getProjectMetadata !== "function") return null;
    try {
      return takeTag(await ppro.Metadata.getProjectMetadata(projectItem));
    } catch (exc) {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------- reading Premiere

  async function activeSequence(ppro) {
    const project = await ppro.Project.getActiveProject();
    if (!project) throw new RetakePanelError("no Premiere project is open", "open the project with the sequence");
    const sequence = await project.getActiveSequence();
    if (!sequence) {
      throw new RetakePanelError("no sequence is open",
        "open the sequence whose marked ranges you want to retake in the Timeline panel");
    }
    return { project, sequence };
  }

  async function readTrack(ppro, track, index) {
    const items = [];
    for (const item of track.getTrackItems(ppro.Constants.TrackItemType.CLIP, false) || []) {
      const projectItem = await item.getProjectItem();
      const clip = projectItem ? ppro.ClipProjectItem.cast(projectItem) : null;
      if (clip && typeof clip.isSequence === "function" && await clip.isSequence()) continue;  // a nest: not read yet
      const path = clip ? await clip.getMediaFilePath() : "";
      const entry = {
        name: await item.getName(), mediaPath: path || "",
        startTicks: (await item.getStartTime()).ticks, endTicks: (await item.getEndTime()).ticks,
        inPointTicks: (await item.getInPoint()).ticks, outPointTicks: (await item.getOutPoint()).ticks,
      };
      // A clip switched off (Clip > Enable unticked) is not what the editor sees: never the picture sent.
      if (typeof item.isDisabled === "function" && await item.isDisabled()) entry.enabled = false;
      if (!path) {
        // No media file: a Graphic, title, colour matte or adjustment layer. Sent as what it is, so the bridge lays
        // it out as a generator the picture rule passes over and the plan names it, never as footage.
        const adjustment = typeof item.isAdjustmentLayer === "function" && await item.isAdjustmentLayer();
        entry.generator = adjustment ? "adjustment layer" : "graphic";
        items.push(entry);
        continue;
      }
      const tag = await readTakeTag(ppro, projectItem);
      if (tag) entry.take = { letter: tag.letter, markerId: String(tag.markerId || ""), range: String(tag.range || "") };
      items.push(entry);
    }
    return { index, name: track.name || "", items };
  }

  // Marker.guid (a Guid, 26.3+): the id a range follows, whatever the marker's name or place. Older Premieres
  // have none: the bridge then follows the marker by where it is.
  function markerGuid(marker) {
    try {
      const guid = marker.guid;
      return guid ? String(typeof guid.toString === "function" ? guid.toString() : guid) : "";
    } catch (exc) {
      return "";
    }
  }

  /** The active sequence as the bridge's contract.Sequence (plus the objects the write-back needs). */
  async function describeSequence(ppro, options) {
    const { project, sequence } = await activeSequence(ppro);
    const markerColor = options && options.markerColor;
    const all = (await ppro.Markers.getMarkers(sequence)).getMarkers() || [];
    const markers = all.map((m) => ({
      name: m.getName() || "", comments: m.getComments() || "",
      colorIndex: typeof m.getColorIndex === "function" ? m.getColorIndex() : 0,
      startTicks: m.getStart().ticks, durationTicks: m.getDuration().ticks,
      guid: markerGuid(m),
    }));
    const wanted = markerColor ? markers.filter((m) => COLORS[m.colorIndex] === String(markerColor).toUpperCase())
      : markers;
    if (!wanted.length) {
      throw new RetakePanelError("the sequence '" + sequence.name + "' has no " + (markerColor ? markerColor + " " : "") +
        "markers" + (markers.length ? " (" + markers.length + " of other colours)" : ""),
        "mark each range with a sequence marker whose duration covers it and whose comment is the prompt");
    }
    const videoTracks = [];
    const videoCount = await sequence.getVideoTrackCount();
    for (let i = 0; i < videoCount; i++) videoTracks.push(await readTrack(ppro, await sequence.getVideoTrack(i), i));
    const audioTracks = [];
    const audioCount = await sequence.getAudioTrackCount();
    for (let i = 0; i < audioCount; i++) audioTracks.push(await readTrack(ppro, await sequence.getAudioTrack(i), i));
    return {
      project, sequence, videoCount, audioCount,
      body: {
        name: sequence.name, timebaseTicks: String(await sequence.getTimebase()),
        zeroPointTicks: (await sequence.getZeroPoint()).ticks, markers, videoTracks, audioTracks,
      },
    };
  }

  function runOptions(opts) {
    const body = { provider: opts.provider || "preview" };
    if (opts.markerColor) body.markerColor = String(opts.markerColor).toUpperCase();
    if (opts.mode) body.mode = opts.mode;
    if (opts.takes) body.takes = opts.takes;
    return body;
  }

  async function planMarkedRanges(ppro, opts) {
    const described = await describeSequence(ppro, opts);
    return call(opts, "POST", "/v1/plan", Object.assign(runOptions(opts), { sequence: described.body }));
  }

  // ---------------------------------------------------------------------------------------- writing back

  async function clipsByPath(ppro, folder) {
    const found = {};
    for (const item of (await folder.getItems()) || []) {
      const clip = ppro.ClipProjectItem.cast(item);
      if (clip) {
        const path = await clip.getMediaFilePath();
        if (path) found[normalise(path)] = clip;
      }
    }
    return found;
  }

  function normalise(path) {
    return String(path).replace(/\\/g, "/").toLowerCase();
  }

  function ticks(ppro, value) {
    return ppro.TickTime.createWithTicks(BigInt(value).toString());
  }

  async function makeBin(ppro, project, name) {
    const rootItem = await project.getRootItem();
    project.lockedAccess(() => {
      const action = rootItem.createBinAction(name, true);
      project.executeTransaction((compound) => { compound.addAction(action); }, "Retake: make bin " + name);
    });
    for (const item of (await rootItem.getItems()) || []) {
      const folder = ppro.FolderItem.cast(item);
      if (folder && folder.name === name) return { rootItem, folder };
    }
    throw new RetakePanelError("Premiere did not make the bin '" + name + "'",
      "close any open dialog in Premiere and try again");
  }

  function removeBin(project, rootItem, folder) {
    try {
      project.lockedAccess(() => {
        const action = rootItem.createRemoveItemAction(folder);
        project.executeTransaction((compound) => { compound.addAction(action); }, "Retake: remove bin");
      });
    } catch (exc) {
      // The bin is empty or holds unplaced takes only: leaving it is harmless, hiding the first error is not.
    }
  }

  /** Retake the marked ranges of the active sequence and place the takes on new tracks, in one undo step. */
  async function retakeMarkedRanges(ppro, options) {
    const opts = Object.assign({ provider: "preview", markerColor: null, mode: null, takes: null, maxCostUsd: null,
      fetch: globalThis.fetch, onProgress: null, onRun: null }, options || {});
    if (!opts.bridge) throw new RetakePanelError("no bridge address given", "the panel's settings name it");
    const described = await describeSequence(ppro, opts);
    const { project, sequence } = described;
    const body = Object.assign(runOptions(opts), { sequence: described.body });
    if (opts.maxCostUsd !== null && opts.maxCostUsd !== undefined) body.maxCostUsd = opts.maxCostUsd;
    const created = await call(opts, "POST", "/v1/runs", body);
    if (opts.onRun) opts.onRun(created.id);
    const status = await follow(opts, created.id, opts.onProgress);
    return placeRun(ppro, opts, described, created.id, status);
  }

  /** The run in progress for the active sequence (a panel's or the command line's), or null. */
  async function runInProgress(ppro, options) {
    const opts = Object.assign({ fetch: globalThis.fetch }, options || {});
    const { sequence } = await activeSequence(ppro);
    const runs = await call(opts, "GET", "/v1/runs?status=running&sequence=" + encodeURIComponent(sequence.name));
    return runs.length ? runs[runs.length - 1] : null;
  }

  /** Follow a run someone else started (runId, or the active sequence's run in progress) and place its takes
   *  as retakeMarkedRanges places them: one transaction, new tracks, nothing moved. */
  async function followRun(ppro, options) {
    const opts = Object.assign({ runId: null, fetch: globalThis.fetch, onProgress: null, onRun: null }, options || {});
    if (!opts.bridge) throw new RetakePanelError("no bridge address given", "the panel's settings name it");
    const { project, sequence } = await activeSequence(ppro);
    let runId = opts.runId;
    if (!runId) {
      const running = await runInProgress(ppro, opts);
      if (!running) {
        throw new RetakePanelError("no retake is in progress for the sequence '" + sequence.name + "'",
          "press Retake, or start `otio-retake run` on the timeline the bridge wrote for it (Check ranges writes it)");
      }
      runId = running.id;
    }
    if (opts.onRun) opts.onRun(runId);
    const status = await follow(opts, runId, opts.onProgress);
    // The tracks are counted now, just before placing: the takes go above whatever the sequence has then.
    const described = { project, sequence, videoCount: await sequence.getVideoTrackCount(),
      audioCount: await sequence.getAudioTrackCount() };
    return placeRun(ppro, opts, described, runId, status);
  }

  async function placeRun(ppro, opts, described, runId, status) {
    const { project, sequence } = described;
    if (status.status !== "done") {
      throw new RetakePanelError(status.status === "cancelled" ? "the run was cancelled: nothing was placed"
        : "the retake did not finish: " + (status.error || status.status), status.hint);
    }
    const report = await call(opts, "GET", "/v1/runs/" + runId + "/report");
    // The run's first letter goes on the first new track: a second Retake's takes start past the letters the
    // sequence has (B, ...), above the tracks the first one made.
    const used = report.ranges.flatMap((r) => r.takes.map((t) => LETTERS.indexOf(t.letter)));
    described = Object.assign({}, described, { firstLetter: used.length ? Math.min(...used) : 0 });
    const paths = [];
    for (const r of report.ranges) for (const t of r.takes) paths.push(t.path);

    const binName = "Retakes " + sequence.name + " (run " + runId + ")";
    const { rootItem, folder } = await makeBin(ppro, project, binName);
    let placed;
    try {
      const imported = await project.importFiles(paths, true, folder, false);
      if (!imported) {
        throw new RetakePanelError("Premiere did not import the takes",
          "check that the files exist and the panel may read them: " + paths.join(", "));
      }
      const clips = await clipsByPath(ppro, folder);
      const missing = paths.filter((p) => !clips[normalise(p)]);
      if (missing.length) throw new RetakePanelError("Premiere did not import: " + missing.join(", "));
      const tags = await takeTags(ppro, report.ranges, clips);
      try {
        placed = place(ppro, project, sequence, described, report.ranges, clips, tags);
      } catch (exc) {
        if (exc instanceof RetakePanelError) throw exc;
        throw new RetakePanelError("Premiere refused to place the takes (" + (exc && exc.message) + "): nothing was placed",
          "close any open dialog, check that the sequence's tracks are not locked, and press Retake again " +
          "(the takes are reused, not made again)");
      }
    } catch (exc) {
      removeBin(project, rootItem, folder);
      throw exc;
    }
    const warnings = await nameTracks(ppro, project, sequence, described, report.ranges);
    return { bin: binName, run: runId, ranges: placed, warnings };
  }

  // The new tracks exist only once the placing transaction has run, so they are named in a second, small one
  // (VideoTrack/AudioTrack.createSetNameAction, Premiere 26.3+). A Premiere without it keeps its own names.
  async function nameTracks(ppro, project, sequence, described, ranges) {
    const letters = new Set();
    const audioLetters = new Set();
    for (const r of ranges) for (const t of r.takes) { if (t.hasVideo) letters.add(t.letter); if (t.hasAudio) audioLetters.add(t.letter); }
    const tracks = [];
    const first = described.firstLetter || 0;
    for (const letter of letters) tracks.push([await sequence.getVideoTrack(described.videoCount + LETTERS.indexOf(letter) - first), letter]);
    for (const letter of audioLetters) tracks.push([await sequence.getAudioTrack(described.audioCount + LETTERS.indexOf(letter) - first), letter]);
    const named = tracks.filter(([track]) => track && typeof track.createSetNameAction === "function");
    if (!named.length) return tracks.length ? ["this Premiere cannot rename tracks: the takes' tracks keep their own names"] : [];
    try {
      project.lockedAccess(() => {
        const actions = named.map(([track, letter]) => track.createSetNameAction("Retake " + letter));
        project.executeTransaction((compound) => { for (const a of actions) compound.addAction(a); }, "Retake: name tracks");
      });
    } catch (exc) {
      return ["the takes are placed, but their tracks could not be named: " + (exc && exc.message)];
    }
    return [];
  }

  /** Each take's metadata with the take tag added (read before the lock: the transaction's callbacks are sync). */
  async function takeTags(ppro, ranges, clips) {
    const tags = {};
    if (!ppro.Metadata || typeof ppro.Metadata.createSetProjectMetadataAction !== "function") return tags;
    await ppro.Metadata.addPropertyToProjectMetadataSchema(TAKE_FIELD, "otio-retake take", ppro.Metadata.METADATA_TYPE_TEXT);
    for (const r of ranges) {
      for (const t of r.takes) {
        const clip = clips[normalise(t.path)];
        tags[normalise(t.path)] = withTakeTag(await ppro.Metadata.getProjectMetadata(clip),
          { letter: t.letter, markerId: r.markerId || "", range: r.name });
      }
    }
    return tags;
  }

  function place(ppro, project, sequence, described, ranges, clips, tags) {
    const { videoCount, audioCount } = described;
    const out = [];
    // One new track per take letter: the run's first letter (A, or past the letters a Retake before placed) is
    // the first new track, the next letter the next, on both sides.
    project.lockedAccess(() => {
      const editor = ppro.SequenceEditor.getEditor(sequence);
      const actions = [];
      for (const r of ranges) {
        const entry = { name: r.name, startTicks: r.startTicks, durationTicks: r.durationTicks,
          videoTrackIndex: null, audioTrackIndex: null, takes: [] };
        for (const t of r.takes) {
          const clip = clips[normalise(t.path)];
          if (tags && tags[normalise(t.path)]) {  // in the same undo step as the placing
            actions.push(ppro.Metadata.createSetProjectMetadataAction(clip, tags[normalise(t.path)], [TAKE_FIELD]));
          }
          const n = LETTERS.indexOf(t.letter) - (described.firstLetter || 0);
          const videoIndex = t.hasVideo ? videoCount + n : -1;
          const audioIndex = t.hasAudio ? audioCount + n : -1;
          actions.push(clip.createSetInOutPointsAction(ticks(ppro, t.inTicks), ticks(ppro, t.outTicks)));
          actions.push(editor.createOverwriteItemAction(clip, ticks(ppro, r.startTicks), videoIndex, audioIndex));
          if (t.hasVideo && entry.videoTrackIndex === null) entry.videoTrackIndex = videoIndex;
          if (t.hasAudio && entry.audioTrackIndex === null) entry.audioTrackIndex = audioIndex;
          entry.takes.push(t.path);
        }
        out.push(entry);
      }
      project.executeTransaction((compound) => {
        for (const action of actions) compound.addAction(action);
      }, PLACE_LABEL);
    });
    return out;
  }

  /** Put the picked takes into the cut (over the range on its own track), as `otio-retake conform`, in one undo step. */
  async function conformRetakes(ppro, options) {
    const opts = Object.assign({ run: null, fetch: globalThis.fetch }, options || {});
    if (!opts.picks || !Object.keys(opts.picks).length) {
      throw new RetakePanelError("no take is picked", "choose a take (A, B, ...) for at least one range");
    }
    const { project, sequence } = await activeSequence(ppro);
    let runId = opts.run;
    if (!runId) {
      const runs = (await call(opts, "GET", "/v1/runs")).filter((r) => r.sequence === sequence.name && r.status === "done");
      if (!runs.length) {
        throw new RetakePanelError("the sequence '" + sequence.name + "' has no finished retake", "press Retake first");
      }
      runId = runs[runs.length - 1].id;
    }
    const answer = await call(opts, "POST", "/v1/runs/" + runId + "/conform", { picks: opts.picks });
    const rootItem = await project.getRootItem();
    let clips = {};
    for (const item of (await rootItem.getItems()) || []) {
      const folder = ppro.FolderItem.cast(item);
      if (folder) Object.assign(clips, await clipsByPath(ppro, folder));
    }
    const missing = answer.ranges.map((r) => r.path).filter((p) => !clips[normalise(p)]);
    if (missing.length) {
      if (!(await project.importFiles(missing, true, rootItem, false))) {
        throw new RetakePanelError("Premiere did not import the picked takes: " + missing.join(", "));
      }
      clips = Object.assign(clips, await clipsByPath(ppro, rootItem));
    }
    project.lockedAccess(() => {
      const editor = ppro.SequenceEditor.getEditor(sequence);
      const actions = [];
      for (const r of answer.ranges) {
        const clip = clips[normalise(r.path)];
        if (!clip) throw new RetakePanelError("the picked take of '" + r.name + "' is not in the project: " + r.path);
        const video = r.mode !== "audio" ? r.trackIndex : -1;
        const audio = r.mode !== "video" ? r.trackIndex : -1;
        actions.push(clip.createSetInOutPointsAction(ticks(ppro, r.inTicks), ticks(ppro, r.outTicks)));
        actions.push(editor.createOverwriteItemAction(clip, ticks(ppro, r.startTicks), video, audio));
      }
      project.executeTransaction((compound) => {
        for (const action of actions) compound.addAction(action);
      }, CONFORM_LABEL);
    });
    return { run: runId, picks: answer.picks, outputs: answer.outputs, ranges: answer.ranges.map((r) => r.name) };
  }

  function ticksToSeconds(value) {
    return Number(BigInt(value) * 1000n / TICKS_PER_SECOND) / 1000;
  }

  return {
    retakeMarkedRanges, followRun, runInProgress, conformRetakes, planMarkedRanges, describeSequence, pair, cancelRun, RetakePanelError,
    ticksToSeconds, TICKS_PER_SECOND, PLACE_LABEL, CONFORM_LABEL, COLORS, TAKE_FIELD, takeTag, withTakeTag,
  };
});
