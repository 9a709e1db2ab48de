/*
 * An in-memory `premierepro` module that keeps the documented UXP API's names and shapes (the types of the
 * npm package @adobe/premierepro: what is typed as a Promise returns one, what is typed sync is sync),
 * for testing retake.js in Node 20 and in a browser page.
 *
 * Rules kept: 254016000000 ticks per second, ticks as strings on TickTime (`.ticks`), built only from
 * strings by createWithTicks; 0-based track indices; marker and track item times from the sequence
 * start, in/out points from the media's start; every create*Action throws unless made inside
 * project.lockedAccess; lockedAccess and executeTransaction take synchronous callbacks (one returning a
 * Promise throws); a transaction is one undo step (recorded in project.transactions) applied all or
 * nothing; overwrite never moves other items (it trims what it covers), insert ripples.
 *
 * Behaviours this fake ASSUMES and that have NOT been checked against a real Premiere
 * (plugins/premiere_bridge/probe.js checks them in the UXP Developer Tool's console):
 *  1. createOverwriteItemAction with a track index equal to the track count adds a new track there
 *     (documented for insert only); an index past that fails.
 *  2. a negative track index (-1) places nothing on that side (video or audio) of the clip.
 *  3. createSetInOutPointsAction on the take's ClipProjectItem, earlier in the same transaction, decides
 *     which frames the overwrite places (media time from the file's first frame), and the rest stays
 *     available as handles.
 *  4. Marker.getColorIndex() exists and uses the CEP order Green, Red, Purple, Orange, Yellow, White,
 *     Blue, Cyan.
 *  5. marker times and track item start/end are from the sequence's first frame, not from its zero point
 *     (start timecode); getZeroPoint() is the start timecode in ticks.
 *  6. importFiles(paths, true, bin) resolves true and the new items are found in bin.getItems() with
 *     getMediaFilePath() equal to the path given; a missing file resolves false.
 *  7. a compound action in executeTransaction is applied all or nothing, and the transaction is one
 *     Edit > Undo step with the given label.
 *  8. createBinAction(name, true) makes the bin under the root item, found by its name afterwards.
 *  9. ClipProjectItem.cast / FolderItem.cast answer null (falsy) for items of another kind.
 * 10. a track made by an overwrite gets Premiere's default name ("Video 2", ...), and
 *     VideoTrack/AudioTrack.createSetNameAction(name) (documented from 26.3) renames it.
 * 12. Marker.guid (documented from 26.3: a Guid, toString() its text) is unique per marker and kept while the
 *     marker is renamed or moved; Markers.createAddMarkerAction(name, type, start, duration, comments) adds one.
 * 13. Metadata.getProjectMetadata(item) resolves to the item's project metadata as an XMP packet whose
 *     rdf:Description holds premierePrivateProjectMetaData:<field> elements; createSetProjectMetadataAction(item,
 *     xmp, fields) stores the packet and only takes fields added with addPropertyToProjectMetadataSchema (any
 *     other field listed makes the action fail); the metadata stays with the project item (and so with every
 *     track item of it) and is undone with its transaction.
 * 14. a track item with no media file (a Graphic, title, colour matte) gives a project item that
 *     ClipProjectItem.cast answers null for, or a ClipProjectItem whose getMediaFilePath() resolves "" (an
 *     adjustment layer: then VideoClipTrackItem.isAdjustmentLayer() resolves true); a nested sequence's is a
 *     ClipProjectItem whose isSequence() resolves true; VideoClipTrackItem.isDisabled() resolves true for a
 *     clip switched off (Clip > Enable).
 * 11. (outside the fake) the manifest's localFileSystem "request" lets importFiles read the takes by
 *     absolute path ("fullAccess" may be needed), and a plain http:// fetch to 127.0.0.1 is allowed by
 *     the network domain (Adobe warns macOS may refuse it: a WebSocket fallback is not written yet);
 *     streaming a fetch body (for the SSE progress) is assumed, with a status poll as the fallback.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.fakePremierePro = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const TPS = 254016000000n;
  const AUDIO_ONLY = /\.(wav|m4a|aac|mp3|aif|aiff)$/i;
  let fileExists = () => true;
  if (typeof require === "function") {
    try { const fs = require("fs"); fileExists = (p) => fs.existsSync(p); } catch (exc) { /* a browser */ }
  }

  class TickTime {
    constructor(ticks) { this._t = BigInt(ticks); Object.freeze(this); }
    static createWithTicks(ticks) {
      if (typeof ticks !== "string" || !/^-?\d+$/.test(ticks)) throw new TypeError("createWithTicks wants ticks as a string");
      return new TickTime(ticks);
    }
    static createWithSeconds(seconds) { return new TickTime(BigInt(Math.round(seconds * Number(TPS)))); }
    get ticks() { return this._t.toString(); }
    get ticksNumber() { return Number(this._t); }
    get seconds() { return Number(this._t) / Number(TPS); }
    equals(other) { return other instanceof TickTime && other._t === this._t; }
  }
  TickTime.TIME_ZERO = new TickTime(0n);

  class Guid {
    constructor(text) { this._s = String(text); Object.freeze(this); }
    static fromString(text) { return new Guid(text); }
    toString() { return this._s; }
  }

  let guidCount = 0;
  function newGuid() {
    guidCount += 1;
    const hex = (guidCount.toString(16) + Math.random().toString(16).slice(2) + "0".repeat(32)).slice(0, 32);
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join("-");
  }

  const PRIVATE_NS = "http://ns.adobe.com/premierePrivateProjectMetaData/1.0/";
  function defaultXmp(name) {
    return '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">' +
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" ' +
      'xmlns:premierePrivateProjectMetaData="' + PRIVATE_NS + '"><premierePrivateProjectMetaData:Column.Intrinsic.Name>' +
      String(name).replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</premierePrivateProjectMetaData:Column.Intrinsic.Name>" +
      '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
  }

  function needTick(value, what) {
    if (!(value instanceof TickTime)) throw new TypeError(what + " must be a TickTime");
    return value._t;
  }

  // ------------------------------------------------------------------------------------------ project items

  class ProjectItem {
    constructor(project, name) { this._project = project; this.name = name; }
    async getParent() { return this._parent || null; }
    async getProject() { return this._project; }
  }

  class ClipProjectItem extends ProjectItem {
    constructor(project, path, durationTicks) {
      super(project, path.split(/[\\/]/).pop());
      this._path = path;
      this._duration = BigInt(durationTicks);
      this._in = null;
      this._out = null;
      this._hasVideo = !AUDIO_ONLY.test(path);
      this._hasAudio = true;
      this._xmp = null;  // the project metadata (Metadata.getProjectMetadata): Premiere's own until set
    }
    static cast(item) { return item instanceof ClipProjectItem ? item : null; }
    async getMediaFilePath() { return this._path; }
    async isSequence() { return false; }
    async getInPoint() { return new TickTime(this._in === null ? 0n : this._in); }
    async getOutPoint() { return new TickTime(this._out === null ? this._duration : this._out); }
    createSetInOutPointsAction(inPoint, outPoint) {
      this._project._requireLock("createSetInOutPointsAction");
      const a = needTick(inPoint, "inPoint"), b = needTick(outPoint, "outPoint");
      return this._project._action("setInOut", () => {
        if (a < 0n || b <= a || b > this._duration) throw new Error("in/out outside the media");
        this._in = a; this._out = b;
      });
    }
    createClearInOutPointsAction() {
      this._project._requireLock("createClearInOutPointsAction");
      return this._project._action("clearInOut", () => { this._in = null; this._out = null; });
    }
  }

  class FolderItem extends ProjectItem {
    constructor(project, name) { super(project, name); this._items = []; }
    static cast(item) { return item instanceof FolderItem ? item : null; }
    async getItems() { return this._items.slice(); }
    createBinAction(name, makeUnique) {
      this._project._requireLock("createBinAction");
      return this._project._action("createBin", () => {
        let unique = name, n = 1;
        while (makeUnique && this._items.some((i) => i.name === unique)) unique = name + " " + (++n);
        const bin = new FolderItem(this._project, unique);
        bin._parent = this;
        this._items.push(bin);
      });
    }
    createRemoveItemAction(item) {
      this._project._requireLock("createRemoveItemAction");
      return this._project._action("removeItem", () => {
        const at = this._items.indexOf(item);
        if (at < 0) throw new Error("not in this bin");
        this._items.splice(at, 1);
      });
    }
  }

  // ------------------------------------------------------------------------------------------ sequences

  class TrackItem {
    constructor(track, clip, start, end, inPoint) {
      this._track = track; this._clip = clip; this._start = start; this._end = end; this._in = inPoint;
    }
    async getName() { return this._clip.name; }
    async getStartTime() { return new TickTime(this._start); }
    async getEndTime() { return new TickTime(this._end); }
    async getDuration() { return new TickTime(this._end - this._start); }
    async getInPoint() { return new TickTime(this._in); }
    async getOutPoint() { return new TickTime(this._in + this._end - this._start); }
    async getProjectItem() { return this._clip; }
    async isAdjustmentLayer() { return !!this._adjustment; }
    async isDisabled() { return !!this._disabled; }
    async getTrackIndex() { return this._track._index(); }
    async getType() { return 1; }
  }

  class Track {
    constructor(sequence, kind, name) { this._sequence = sequence; this._kind = kind; this.name = name; this._items = []; }
    _index() { return this._sequence["_" + this._kind].indexOf(this); }
    get id() { return this._index(); }
    async getIndex() { return this._index(); }
    createSetNameAction(name) {
      this._sequence._project._requireLock("createSetNameAction");
      return this._sequence._project._action("setTrackName", () => { this.name = String(name); });
    }
    getTrackItems(type, includeEmpty) {
      return this._items.slice().sort((a, b) => (a._start < b._start ? -1 : 1));
    }
    _overwrite(clip, start, end, inPoint) {
      const kept = [];
      for (const item of this._items) {
        if (item._end <= start || item._start >= end) { kept.push(item); continue; }
        if (item._start < start) kept.push(new TrackItem(this, item._clip, item._start, start, item._in));
        if (item._end > end) kept.push(new TrackItem(this, item._clip, end, item._end, item._in + end - item._start));
      }
      kept.push(new TrackItem(this, clip, start, end, inPoint));
      this._items = kept;
    }
  }

  class Sequence {
    constructor(project, spec) {
      this._project = project;
      this.name = spec.name;
      this._timebase = String(spec.timebaseTicks);
      this._zero = BigInt(spec.zeroPointTicks || "0");
      this._video = [];
      this._audio = [];
      this._markers = (spec.markers || []).map((m) => new Marker(m));
    }
    async getTimebase() { return this._timebase; }
    async getZeroPoint() { return new TickTime(this._zero); }
    async getVideoTrackCount() { return this._video.length; }
    async getAudioTrackCount() { return this._audio.length; }
    async getVideoTrack(i) { return this._video[i] || null; }
    async getAudioTrack(i) { return this._audio[i] || null; }
    _track(kind, index) {
      const tracks = this["_" + kind];
      if (index > tracks.length) throw new Error(kind + " track " + index + " does not exist (there are " + tracks.length + ")");
      if (index === tracks.length) tracks.push(new Track(this, kind, (kind === "video" ? "Video " : "Audio ") + (index + 1)));
      return tracks[index];
    }
  }

  class Marker {
    constructor(spec) { this._s = Object.assign({}, spec); this._guid = new Guid(spec.guid || newGuid()); }
    get guid() { return this._guid; }
    getName() { return this._s.name || ""; }
    getComments() { return this._s.comments || ""; }
    getColorIndex() { return this._s.colorIndex || 0; }
    getStart() { return new TickTime(BigInt(this._s.startTicks)); }
    getDuration() { return new TickTime(BigInt(this._s.durationTicks || "0")); }
    getType() { return "Comment"; }
    getUrl() { return ""; }
    getTarget() { return ""; }
  }

  class MarkersList {
    constructor(owner, project) { this._owner = owner; this._project = project; }
    getMarkers(filters) { return (this._owner._markers || []).slice(); }
    createAddMarkerAction(name, markerType, startTime, duration, comments) {
      this._project._requireLock("createAddMarkerAction");
      const start = needTick(startTime, "startTime");
      const length = duration === undefined ? 0n : needTick(duration, "duration");
      return this._project._action("addMarker", () => {
        if (!this._owner._markers) throw new Error("this item cannot hold markers here");
        this._owner._markers.push(new Marker({ name: String(name || ""), comments: String(comments || ""),
          startTicks: start.toString(), durationTicks: length.toString() }));
      });
    }
  }

  function metadataModule() {
    const schema = new Set();
    const ownerOf = (item) => {
      if (!(item instanceof ClipProjectItem)) throw new TypeError("projectItem must be a ProjectItem");
      return item._project;
    };
    return {
      METADATA_TYPE_INTEGER: 0, METADATA_TYPE_REAL: 1, METADATA_TYPE_TEXT: 2, METADATA_TYPE_BOOLEAN: 3,
      async addPropertyToProjectMetadataSchema(name, label, type) {
        if (typeof name !== "string" || !name || typeof label !== "string") throw new TypeError("name and label are strings");
        schema.add(name);
        return true;
      },
      async getProjectMetadata(item) {
        ownerOf(item);
        return item._xmp === null ? defaultXmp(item.name) : item._xmp;
      },
      createSetProjectMetadataAction(item, metadata, updatedFields) {
        const project = ownerOf(item);
        project._requireLock("createSetProjectMetadataAction");
        if (typeof metadata !== "string" || !Array.isArray(updatedFields)) throw new TypeError("metadata is a string, updatedFields an array");
        return project._action("setProjectMetadata", () => {
          const unknown = updatedFields.filter((f) => !schema.has(f));
          if (unknown.length) throw new Error("not in the project metadata schema: " + unknown.join(", "));
          item._xmp = metadata;
        });
      },
    };
  }

  class SequenceEditor {
    constructor(sequence) { this._sequence = sequence; }
    static getEditor(sequence) { return new SequenceEditor(sequence); }
    _place(clip, time, videoIndex, audioIndex, ripple) {
      const start = needTick(time, "time");
      const project = this._sequence._project;
      if (!(clip instanceof ClipProjectItem)) throw new TypeError("projectItem must be a ClipProjectItem");
      return project._action(ripple ? "insert" : "overwrite", () => {
        const inPoint = clip._in === null ? 0n : clip._in;
        const out = clip._out === null ? clip._duration : clip._out;
        const end = start + out - inPoint;
        const sides = [];
        if (videoIndex >= 0 && clip._hasVideo) sides.push(["video", videoIndex]);
        if (audioIndex >= 0 && clip._hasAudio) sides.push(["audio", audioIndex]);
        if (!sides.length) throw new Error("nothing to place: no track for the clip's media");
        for (const [kind, index] of sides) {
          const track = this._sequence._track(kind, index);
          if (ripple) {
            for (const item of track._items) if (item._start >= start) { item._start += end - start; item._end += end - start; }
          }
          track._overwrite(clip, start, end, inPoint);
        }
      });
    }
    createOverwriteItemAction(projectItem, time, videoTrackIndex, audioTrackIndex) {
      this._sequence._project._requireLock("createOverwriteItemAction");
      return this._place(projectItem, time, videoTrackIndex, audioTrackIndex, false);
    }
    createInsertProjectItemAction(projectItem, time, videoTrackIndex, audioTrackIndex, limitShift) {
      this._sequence._project._requireLock("createInsertProjectItemAction");
      return this._place(projectItem, time, videoTrackIndex, audioTrackIndex, true);
    }
  }

  // ------------------------------------------------------------------------------------------ the project

  function snapshotOf(project) {
    const bins = [];
    const walk = (folder) => { bins.push([folder, folder._items.slice()]); folder._items.forEach((i) => { if (i instanceof FolderItem) walk(i); }); };
    walk(project._root);
    const tracks = [];
    for (const seq of project._sequences) {
      tracks.push([seq, seq._video.slice(), seq._audio.slice()]);
      for (const t of seq._video.concat(seq._audio)) tracks.push([t, t._items.map((i) => new TrackItem(t, i._clip, i._start, i._end, i._in)), t.name]);
    }
    const clips = project._allClips().map((c) => [c, c._in, c._out, c._xmp]);
    const markers = project._sequences.map((seq) => [seq, seq._markers.slice()]);
    return () => {
      for (const [folder, items] of bins) folder._items = items;
      for (const entry of tracks) {
        if (entry[0] instanceof Sequence) { entry[0]._video = entry[1]; entry[0]._audio = entry[2]; } else { entry[0]._items = entry[1]; entry[0].name = entry[2]; }
      }
      for (const [c, a, b, x] of clips) { if (c instanceof ClipProjectItem) { c._in = a; c._out = b; c._xmp = x; } }
      for (const [seq, list] of markers) seq._markers = list;
    };
  }

  function isThenable(value) { return value && typeof value.then === "function"; }

  class Project {
    constructor(options) {
      this.name = "Fake project";
      this.path = "/fake/project.prproj";
      this._root = new FolderItem(this, "root");
      this._sequences = [];
      this._active = null;
      this._locked = false;
      this._inTransaction = false;
      this._mediaTicks = options.mediaTicks || {};
      this.transactions = [];  // {label, actions}: what Edit > Undo would step back
      this.failNextImport = false;
    }
    _allClips() {
      const out = [];
      const walk = (folder) => folder._items.forEach((i) => (i instanceof FolderItem ? walk(i) : out.push(i)));
      walk(this._root);
      return out;
    }
    _requireLock(what) {
      if (!this._locked) throw new Error(what + " must be called inside project.lockedAccess()");
    }
    _action(kind, apply) { return { kind, _apply: apply, _project: this }; }
    async getActiveSequence() { return this._active; }
    async getRootItem() { return this._root; }
    async getSequences() { return this._sequences.slice(); }
    async importFiles(paths, suppressUI, targetBin, asNumberedStills) {
      if (this._locked) throw new Error("importFiles cannot run inside lockedAccess");
      if (this.failNextImport || !paths.every(fileExists)) { this.failNextImport = false; return false; }
      const bin = targetBin || this._root;
      for (const path of paths) {
        const known = typeof this._mediaTicks === "function" ? this._mediaTicks(path) : this._mediaTicks[path];
        const clip = new ClipProjectItem(this, path, known || (10n * TPS).toString());
        clip._parent = bin;
        bin._items.push(clip);
      }
      return true;
    }
    lockedAccess(callback) {
      if (this._locked) throw new Error("lockedAccess is not re-entrant");
      this._locked = true;
      try {
        const result = callback();
        if (isThenable(result)) throw new Error("lockedAccess callbacks must be synchronous (no async/await)");
        return result;
      } finally {
        this._locked = false;
      }
    }
    executeTransaction(callback, undoString) {
      if (this._inTransaction) throw new Error("executeTransaction is not re-entrant");
      const actions = [];
      const compound = { addAction: (a) => { if (!a || a._project !== this) throw new TypeError("not an action"); actions.push(a); return true; },
        get empty() { return actions.length === 0; } };
      this._inTransaction = true;
      try {
        const result = callback(compound);
        if (isThenable(result)) throw new Error("executeTransaction callbacks must be synchronous (no async/await)");
      } finally {
        this._inTransaction = false;
      }
      const restore = snapshotOf(this);
      try {
        for (const a of actions) a._apply();
      } catch (exc) {
        restore();
        throw exc;
      }
      this.transactions.push({ label: undoString || "", actions: actions.map((a) => a.kind) });
      return true;
    }
  }

  /**
   * A `premierepro` module with one project whose active sequence is built from a contract.Sequence
   * (the shape the bridge takes): createFake({sequence, mediaTicks, noSequence, noProject}); mediaTicks gives
   * imported files their length in ticks ({path: ticks} or path => ticks; 10 s otherwise).
   */
  function createFake(options) {
    const opts = options || {};
    const project = new Project(opts);
    if (opts.sequence && !opts.noSequence) {
      const seq = new Sequence(project, opts.sequence);
      const clips = {};
      const clipFor = (path) => {
        if (!clips[path]) {
          clips[path] = new ClipProjectItem(project, path, opts.mediaTicks && opts.mediaTicks[path] || (3600n * TPS).toString());
          clips[path]._parent = project._root;
          project._root._items.push(clips[path]);
        }
        return clips[path];
      };
      for (const [kind, specs] of [["video", opts.sequence.videoTracks || []], ["audio", opts.sequence.audioTracks || []]]) {
        for (const spec of specs) {
          const track = new Track(seq, kind, spec.name || "");
          seq["_" + kind].push(track);
          for (const i of spec.items) {
            // an item with no media file: a Graphic (a project item of another kind) or an adjustment layer
            const owner = !i.generator ? clipFor(i.mediaPath) : i.generator === "adjustment layer"
              ? new ClipProjectItem(project, "", (3600n * TPS).toString()) : new ProjectItem(project, i.name || "Graphic");
            const item = new TrackItem(track, owner, BigInt(i.startTicks), BigInt(i.endTicks), BigInt(i.inPointTicks));
            if (i.generator) { owner.name = i.name || owner.name; item._adjustment = i.generator === "adjustment layer"; }
            item._disabled = i.enabled === false;
            track._items.push(item);
          }
        }
      }
      project._sequences.push(seq);
      project._active = seq;
    }
    const ppro = {
      Project: { getActiveProject: async () => (opts.noProject ? null : project) },
      TickTime, ClipProjectItem, FolderItem, ProjectItem: { cast: (i) => (i instanceof ProjectItem ? i : null) },
      SequenceEditor, Markers: { getMarkers: async (owner) => new MarkersList(owner, project) },
      Guid, Metadata: metadataModule(),
      Constants: { TrackItemType: { EMPTY: 0, CLIP: 1, TRANSITION: 2, PREVIEW: 3, FEEDBACK: 4 },
        MediaType: { ANY: 0, DATA: 1, VIDEO: 2, AUDIO: 3 } },
    };
    return { ppro, project };
  }

  /** Every track's items as plain data, for comparing before and after. */
  function layout(sequence) {
    const side = (tracks) => tracks.map((t) => ({ name: t.name, items: t.getTrackItems(1, false).map((i) => ({
      path: i._clip._path, start: i._start.toString(), end: i._end.toString(), in: i._in.toString() })) }));
    return { video: side(sequence._video), audio: side(sequence._audio) };
  }

  return { createFake, layout, TickTime, TICKS_PER_SECOND: TPS };
});
