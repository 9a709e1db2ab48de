// node --test plugins/premiere_bridge/test/ : retake.js against the fake Premiere and a live bridge.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const retake = require("../retake.js");
const { createFake, layout } = require("./fake_premierepro.js");

const REPO = path.resolve(__dirname, "..", "..", "..");
const PYTHON = process.env.OTIO_RETAKE_PYTHON || path.join(REPO, ".venv", "bin", "python");
const TOKEN = "node-test-T0KEN-0123456789abcdef";
const TPF = 10584000000n;  // ticks per frame at 24 fps

let bridge, tmp, sequence, child, host, hostUrl;

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "retake-node-"));
  // Run from the Python suite, the sequence (and its media, made once per session there) is handed over;
  // alone, it is made here.
  const given = process.env.OTIO_RETAKE_TEST_SEQUENCE;
  sequence = JSON.parse(given ? fs.readFileSync(given, "utf8")
    : execFileSync(PYTHON, [path.join(REPO, "tests", "premiere_sequence.py"), path.join(tmp, "media")],
      { encoding: "utf8" }));
  // Half a second of context (the 12 frames of handles the in-point check needs) instead of the default 2 s:
  // the seconds of media every run cuts, renders and splices are most of this suite's CPU.
  for (const marker of sequence.markers) marker.comments += "\ncontext: 0.5";
  const port = await freePort();
  bridge = "http://127.0.0.1:" + port;
  // A paying host (fal's emulator): its count of submitted jobs is what the money tests check.
  const hostPort = await freePort();
  hostUrl = "http://127.0.0.1:" + hostPort;
  host = spawn(PYTHON, ["-m", "otio_retake.cli", "emulate", "fal", "--port", String(hostPort), "--latency", "0.05"],
    { stdio: "ignore" });
  child = spawn(PYTHON, ["-m", "otio_retake.cli", "bridge", "--port", String(port), "--root", path.join(tmp, "bridge"),
    "--base-url", "fal=" + hostUrl, "--poll-interval", "0.05"],
  { env: Object.assign({}, process.env, { OTIO_RETAKE_BRIDGE_TOKEN: TOKEN, FAL_KEY: "any-key-the-emulator-takes" }),
    stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      if ((await fetch(bridge + "/v1/health")).ok && (await fetch(hostUrl + "/_emulator/stats")).ok) break;
    } catch (exc) { /* not up yet */ }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("the bridge did not start: " + stderr);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(() => {
  if (child) child.kill();
  if (host) host.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function fake(extra) {
  return createFake(Object.assign({ sequence }, extra || {}));
}

async function activeSequence(project) {
  return project.getActiveSequence();
}

test("takes land at each range's ticks on new tracks, in one transaction, nothing else moved", async () => {
  const { ppro, project } = fake();
  const seq = await activeSequence(project);
  const before = layout(seq);
  const events = [];
  const result = await retake.retakeMarkedRanges(ppro, { bridge, token: TOKEN, onProgress: (e) => events.push(e) });
  assert.match(result.bin, /^Retakes retake_sample \(run [0-9a-f]+\)$/);
  assert.deepEqual(result.ranges.map((r) => [r.name, BigInt(r.startTicks) / TPF, BigInt(r.durationTicks) / TPF,
    r.videoTrackIndex, r.audioTrackIndex]),
  [["sky", 48n, 72n, 1, null], ["crossing", 204n, 72n, 1, 1], ["line", 336n, 60n, null, 1]]);
  // One undo step for all the placing (the bin is made before it, its own step).
  const placing = project.transactions.filter((t) => t.label === retake.PLACE_LABEL);
  assert.equal(placing.length, 1);
  // Each take is tagged as ours (its project metadata) in the same undo step as its placing.
  assert.deepEqual(placing[0].actions, ["setProjectMetadata", "setInOut", "overwrite", "setProjectMetadata", "setInOut",
    "overwrite", "setProjectMetadata", "setInOut", "overwrite"]);
  const after = layout(seq);
  // The originals: exactly as they were.
  assert.deepEqual(after.video[0], before.video[0]);
  assert.deepEqual(after.audio[0], before.audio[0]);
  assert.deepEqual(after.video.map((t) => t.name), ["V1", "Retake A"]);
  assert.deepEqual(after.audio.map((t) => t.name), ["A1", "Retake A"]);
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(project.transactions.map((t) => t.label).slice(-2), [retake.PLACE_LABEL, "Retake: name tracks"]);
  const frames = (items) => items.map((i) => [BigInt(i.start) / TPF, BigInt(i.end) / TPF, path.basename(i.path)]);
  const videoTakes = frames(after.video[1].items);
  assert.deepEqual(videoTakes.map((t) => t.slice(0, 2)), [[48n, 120n], [204n, 276n]]);
  assert.deepEqual(frames(after.audio[1].items).map((t) => t.slice(0, 2)), [[204n, 276n], [336n, 396n]]);
  // The take file's in point is its handle: the range's first frame inside the file, not the file's first.
  const report = await (await fetch(bridge + "/v1/runs/" + result.run + "/report",
    { headers: { Authorization: "Bearer " + TOKEN } })).json();
  const sky = report.ranges.find((r) => r.name === "sky").takes[0];
  assert.equal(after.video[1].items[0].in, sky.inTicks);
  assert.ok(BigInt(sky.inTicks) > 0n);
  // Progress came in order and in words.
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
  assert.equal(events[events.length - 1].kind, "end");
  assert.ok(events.some((e) => e.words === "ready"));
  // The bin holds the three takes.
  const root = await project.getRootItem();
  const bin = (await root.getItems()).find((i) => i.name === result.bin);
  assert.equal((await bin.getItems()).length, 3);
});

test("conform puts the picked take over its range on the cut's own track, in one undo step", async () => {
  const { ppro, project } = fake();
  const seq = await activeSequence(project);
  const placed = await retake.retakeMarkedRanges(ppro, { bridge, token: TOKEN });
  const done = await retake.conformRetakes(ppro, { bridge, token: TOKEN, picks: { sky: "A" } });
  assert.equal(done.run, placed.run);
  assert.deepEqual(done.picks, { sky: "A" });
  assert.ok(fs.existsSync(done.outputs[0]));
  assert.deepEqual(project.transactions.map((t) => t.label).slice(-1), [retake.CONFORM_LABEL]);
  const v1 = layout(seq).video[0].items.map((i) => [BigInt(i.start) / TPF, BigInt(i.end) / TPF, path.basename(i.path)]);
  assert.deepEqual(v1.map((i) => i.slice(0, 2)), [[0n, 48n], [48n, 120n], [120n, 240n], [240n, 456n]]);
  assert.match(v1[1][2], /sky/);
  assert.equal(v1[0][2], "shot_a.mp4");
  assert.equal(v1[2][2], "shot_a.mp4");
});

async function assertFailsCleanly(options, extra, pattern) {
  const { ppro, project } = fake(extra);
  const seq = await activeSequence(project);
  const before = seq ? layout(seq) : null;
  const root = await project.getRootItem();
  const items = (await root.getItems()).length;
  await assert.rejects(retake.retakeMarkedRanges(ppro, Object.assign({ bridge, token: TOKEN }, options)),
    (exc) => { assert.ok(exc instanceof retake.RetakePanelError); assert.match(exc.message, pattern); assert.ok(exc.hint); return true; });
  assert.equal(project.transactions.filter((t) => t.label === retake.PLACE_LABEL).length, 0);
  if (seq) assert.deepEqual(layout(seq), before);
  assert.equal((await root.getItems()).length, items, "no bin or item left behind");
}

test("the bridge not running is said plainly and nothing is placed", async () => {
  await assertFailsCleanly({ bridge: "http://127.0.0.1:" + (await freePort()) }, {}, /bridge is not running/);
});

test("a wrong token asks to pair again", async () => {
  await assertFailsCleanly({ token: "not-the-token" }, {}, /did not accept this panel's token/);
});

test("no open sequence", async () => {
  await assertFailsCleanly({}, { noSequence: true }, /no sequence is open/);
});

test("no markers, or none of the chosen colour", async () => {
  await assertFailsCleanly({}, { sequence: Object.assign({}, sequence, { markers: [] }) }, /has no markers/);
  await assertFailsCleanly({ markerColor: "red" }, {}, /has no red markers \(3 of other colours\)/);
});

test("a failed import removes the run's bin and places nothing", async () => {
  const { ppro, project } = fake();
  project.failNextImport = true;
  const seq = await activeSequence(project);
  const before = layout(seq);
  await assert.rejects(retake.retakeMarkedRanges(ppro, { bridge, token: TOKEN }), /did not import the takes/);
  assert.deepEqual(layout(seq), before);
  const root = await project.getRootItem();
  assert.equal((await root.getItems()).filter((i) => /^Retakes/.test(i.name)).length, 0);
});

test("Premiere refusing one edit of the transaction leaves nothing placed and no bin", async () => {
  let imported = 0;
  const { ppro, project } = fake({ mediaTicks: () => (++imported === 3 ? "1000" : null) });  // the last take: too short
  const seq = await activeSequence(project);
  const before = layout(seq);
  await assert.rejects(retake.retakeMarkedRanges(ppro, { bridge, token: TOKEN }),
    (exc) => exc instanceof retake.RetakePanelError && /refused to place the takes .*nothing was placed/.test(exc.message));
  assert.deepEqual(layout(seq), before);
  assert.equal(project.transactions.filter((t) => t.label === retake.PLACE_LABEL).length, 0);
  const root = await project.getRootItem();
  assert.equal((await root.getItems()).filter((i) => /^Retakes/.test(i.name)).length, 0);
});

test("the fake keeps the lock rule and the API's shapes", async () => {
  const { ppro, project } = fake();
  const seq = await project.getActiveSequence();
  const editor = ppro.SequenceEditor.getEditor(seq);
  const clip = (await (await project.getRootItem()).getItems())[0];
  assert.throws(() => editor.createOverwriteItemAction(clip, ppro.TickTime.createWithTicks("0"), 1, -1), /lockedAccess/);
  assert.throws(() => project.lockedAccess(async () => {}), /synchronous/);
  assert.throws(() => ppro.TickTime.createWithTicks(10584000000), /string/);
  assert.ok(ppro.Markers.getMarkers(seq) instanceof Promise);
  const markers = (await ppro.Markers.getMarkers(seq)).getMarkers();
  assert.equal(typeof markers[0].getStart().ticks, "string");
  assert.ok(seq.getVideoTrackCount() instanceof Promise);
  assert.ok(Array.isArray((await seq.getVideoTrack(0)).getTrackItems(1, false)));
});

async function waitFor(what, check, ms) {
  const deadline = Date.now() + (ms || 60000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a run started with `otio-retake run` on the sequence's timeline is followed and its takes placed", async () => {
  const { ppro, project } = fake();
  const seq = await activeSequence(project);
  const before = layout(seq);
  await retake.planMarkedRanges(ppro, { bridge, token: TOKEN });  // the bridge writes the sequence's timeline
  const folder = path.join(tmp, "bridge", "sequences");
  const timeline = path.join(folder, fs.readdirSync(folder)[0], "retake_sample.otio");
  // A host that takes a while, so the run is still going when the panel attaches.
  const port = await freePort();
  const host = spawn(PYTHON, ["-m", "otio_retake.cli", "emulate", "fal", "--port", String(port), "--latency", "1.5"],
    { stdio: "ignore" });
  const cliDir = fs.mkdtempSync(path.join(tmp, "cli-"));
  let cli = null;
  try {
    await waitFor("the emulator", async () => { try { return (await fetch("http://127.0.0.1:" + port + "/_emulator/stats")).ok; } catch (e) { return false; } });
    cli = spawn(PYTHON, ["-m", "otio_retake.cli", "run", timeline, "-o", path.join(cliDir, "cut.otio"), "--provider", "fal",
      "--base-url", "fal=http://127.0.0.1:" + port, "--poll-interval", "0.05", "--yes"],
    { env: Object.assign({}, process.env, { FAL_KEY: "any-key-the-emulator-takes" }), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    cli.stderr.on("data", (d) => { stderr += d; });
    const exited = new Promise((resolve) => cli.on("exit", (code) => resolve(code)));
    const running = await waitFor("the command line's run", () => retake.runInProgress(ppro, { bridge, token: TOKEN }));
    assert.equal(running.origin, "command line");
    const events = [];
    let liveEvents = 0;
    const result = await retake.followRun(ppro, { bridge, token: TOKEN, onProgress: (e) => {
      events.push(e);
      if (cli.exitCode === null) liveEvents += 1;
    } });
    assert.equal(await exited, 0, stderr);
    assert.equal(result.run, running.id);
    assert.ok(liveEvents >= 3, "progress arrived while the command line ran: " + liveEvents);
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(events[events.length - 1].kind, "end");
    assert.ok(events.some((e) => e.kind === "queued" && /fal's queue/.test(e.words)));
    assert.deepEqual(result.ranges.map((r) => [r.name, BigInt(r.startTicks) / TPF, BigInt(r.durationTicks) / TPF]),
      [["sky", 48n, 72n], ["crossing", 204n, 72n], ["line", 336n, 60n]]);
    assert.match(result.bin, new RegExp("^Retakes retake_sample \\(run " + running.id + "\\)$"));
    const placing = project.transactions.filter((t) => t.label === retake.PLACE_LABEL);
    assert.equal(placing.length, 1);
    const after = layout(seq);
    assert.deepEqual(after.video[0], before.video[0]);
    assert.deepEqual(after.audio[0], before.audio[0]);
    const frames = (items) => items.map((i) => [BigInt(i.start) / TPF, BigInt(i.end) / TPF]);
    assert.deepEqual(frames(after.video[1].items), [[48n, 120n], [204n, 276n]]);
    assert.deepEqual(frames(after.audio[1].items), [[204n, 276n], [336n, 396n]]);
    const stats = await (await fetch("http://127.0.0.1:" + port + "/_emulator/stats")).json();
    assert.equal(stats.submitted, 3);
  } finally {
    if (cli && cli.exitCode === null) cli.kill();
    host.kill();
  }
});

test("following with no run in progress for the sequence says so and places nothing", async () => {
  const { ppro, project } = fake({ sequence: Object.assign({}, sequence, { name: "nothing running here" }) });
  const seq = await activeSequence(project);
  const before = layout(seq);
  await assert.rejects(retake.followRun(ppro, { bridge, token: TOKEN }),
    (exc) => exc instanceof retake.RetakePanelError && /no retake is in progress for the sequence 'nothing running here'/.test(exc.message) && !!exc.hint);
  assert.deepEqual(layout(seq), before);
  assert.equal(project.transactions.length, 0);
});

// ---------------------------------------------------------------------------------------- money (issue 22)

async function submitted() {
  return (await (await fetch(hostUrl + "/_emulator/stats")).json()).submitted;
}

function sha(file) {
  return require("node:crypto").createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function copyOf(name, change) {
  const copy = JSON.parse(JSON.stringify(sequence));
  copy.name = name;
  if (change) change(copy);
  return copy;
}

test("a marker inserted before three unnamed ones costs one job, and no take file is written over", async () => {
  // Unnamed markers, as editors leave them; each has its GUID (Premiere 26.3+), which the ranges follow.
  const named = copyOf("unnamed markers", (s) => {
    s.markers = s.markers.map((m, i) => Object.assign({}, m, { name: "", guid: "6f1c2a0e-0000-4000-8000-00000000000" + i }));
  });
  const paid = await submitted();
  const first = await retake.retakeMarkedRanges(createFake({ sequence: named }).ppro,
    { bridge, token: TOKEN, provider: "fal" });
  assert.equal(await submitted(), paid + 3);
  const files = {};
  for (const r of first.ranges) for (const p of r.takes) files[p] = sha(p);
  assert.equal(Object.keys(files).length, 3);
  // One more unnamed marker, before the three (Premiere gives it a GUID of its own), in a copy of the sequence
  // without the takes' tracks: only the journal knows the three ranges were paid for.
  const inserted = copyOf("unnamed markers", (s) => {
    s.markers = [{ name: "", comments: "A red kite crosses the sky\ncontext: 0.5", colorIndex: 6, startTicks: "0",
      durationTicks: String(48n * TPF) }].concat(named.markers);
  });
  const second = await retake.retakeMarkedRanges(createFake({ sequence: inserted }).ppro,
    { bridge, token: TOKEN, provider: "fal" });
  assert.equal(await submitted(), paid + 4);  // the new marker only
  assert.equal(second.ranges.length, 4);
  // The three ranges are placed with the very files of the first run, none of them written over.
  const again = second.ranges.filter((r) => BigInt(r.startTicks) > 0n).flatMap((r) => r.takes);
  assert.deepEqual(again.sort(), Object.keys(files).sort());
  for (const [file, digest] of Object.entries(files)) assert.equal(sha(file), digest, file);
  const fresh = second.ranges.find((r) => BigInt(r.startTicks) === 0n).takes;
  assert.equal(fresh.length, 1);
  assert.ok(!(fresh[0] in files));
});

test("a second Retake knows the placed takes by their metadata and pays only for the new marker", async () => {
  const { ppro, project } = createFake({ sequence: copyOf("second retake") });
  const paid = await submitted();
  await retake.retakeMarkedRanges(ppro, { bridge, token: TOKEN, provider: "fal" });
  assert.equal(await submitted(), paid + 3);
  const seq = await project.getActiveSequence();
  // The editor renames the placed takes' tracks (the names say nothing any more) and adds one marker.
  project.lockedAccess(() => {
    project.executeTransaction((compound) => {
      for (const track of seq._video.slice(1).concat(seq._audio.slice(1))) compound.addAction(track.createSetNameAction("V9"));
    }, "rename");
  });
  const list = await ppro.Markers.getMarkers(seq);
  project.lockedAccess(() => {
    const action = list.createAddMarkerAction("gull", "Comment", ppro.TickTime.createWithTicks("0"),
      ppro.TickTime.createWithTicks(String(48n * TPF)), "A gull crosses the sky\ncontext: 0.5");
    project.executeTransaction((compound) => { compound.addAction(action); }, "add marker");
  });
  // What the panel sends: the takes it placed are tagged as takes of their markers (not told by a name).
  const described = await retake.describeSequence(ppro, {});
  const tagged = described.body.videoTracks.concat(described.body.audioTracks).flatMap((t) => t.items).filter((i) => i.take);
  assert.equal(tagged.length, 4);  // sky (video), crossing (video and sound), line (sound)
  assert.ok(tagged.every((i) => i.take.letter === "A" && i.take.markerId.startsWith("premiere:")));
  const plan = await retake.planMarkedRanges(ppro, { bridge, token: TOKEN, provider: "fal" });
  assert.deepEqual(plan.ranges.map((r) => r.name), ["gull"]);
  assert.equal(plan.skipped.filter((k) => /already has take\(s\) A/.test(k.reason)).length, 3, JSON.stringify(plan.skipped));
  const again = await retake.retakeMarkedRanges(ppro, { bridge, token: TOKEN, provider: "fal" });
  assert.equal(await submitted(), paid + 4);  // only the gull: the three ranges with takes cost nothing
  assert.deepEqual(again.ranges.map((r) => r.name), ["gull"]);
  // Its take B goes on a new track above the ones there, nothing else moved.
  const after = layout(seq);
  assert.deepEqual(after.video.map((t) => t.name), ["V1", "V9", "Retake B"]);
  assert.deepEqual(after.video[2].items.map((i) => [BigInt(i.start) / TPF, BigInt(i.end) / TPF]), [[0n, 48n]]);
  assert.equal(after.video[1].items.length, 2);
});

test("a Graphic, an adjustment layer and a disabled clip over the cut are sent as such; the picture is the footage below", async () => {
  const over = (name, generator, from, to) => ({ name, mediaPath: "", generator, startTicks: String(from * TPF),
    endTicks: String(to * TPF), inPointTicks: "0", outPointTicks: String((to - from) * TPF) });
  const { ppro } = createFake({ sequence: copyOf("graphics", (seq) => {
    seq.videoTracks.push({ index: 1, name: "V2", items: [over("Lower third", "graphic", 0n, 200n),
      over("Adjustment Layer", "adjustment layer", 200n, 456n)] });
    // and a shot switched off on V3 over the sky: not the picture either
    seq.videoTracks.push({ index: 2, name: "V3", items: [Object.assign({}, seq.videoTracks[0].items[1],
      { startTicks: "0", endTicks: String(200n * TPF), enabled: false })] });
  }) });
  const described = await retake.describeSequence(ppro, {});
  assert.deepEqual(described.body.videoTracks[1].items.map((i) => [i.name, i.mediaPath, i.generator]),
    [["Lower third", "", "graphic"], ["Adjustment Layer", "", "adjustment layer"]]);
  assert.equal(described.body.videoTracks[2].items[0].enabled, false);
  // Through the live bridge: the sequence is taken whole (not refused for an item with no media file), and every
  // range's picture comes from V1, the two items over it passed over by name.
  const plan = await retake.planMarkedRanges(ppro, { bridge, token: TOKEN });
  assert.deepEqual(plan.ranges.map((r) => r.name), ["sky", "crossing", "line"]);
  const video = plan.ranges.filter((r) => r.mode !== "audio");
  assert.ok(video.length && video.every((r) => r.picture.length && r.picture.every((p) => p.track === "V1")),
    JSON.stringify(plan.ranges.map((r) => r.picture)));
});

test("the take tag is read and written in the project metadata, the rest of it kept", () => {
  const ns = 'xmlns:premierePrivateProjectMetaData="http://ns.adobe.com/premierePrivateProjectMetaData/1.0/"';
  const given = '<x:xmpmeta><rdf:RDF><rdf:Description rdf:about="" ' + ns + ' premierePrivateProjectMetaData:otioRetakeTake="' +
    '{&quot;letter&quot;:&quot;B&quot;}"><premierePrivateProjectMetaData:Column.PropertyText.Comment>keep me' +
    "</premierePrivateProjectMetaData:Column.PropertyText.Comment></rdf:Description></rdf:RDF></x:xmpmeta>";
  assert.deepEqual(retake.takeTag(given), { letter: "B" });  // the attribute form XMP may use
  const written = retake.withTakeTag(given, { letter: "C", markerId: "premiere:x", range: "a <b> & \"c\"" });
  assert.deepEqual(retake.takeTag(written), { letter: "C", markerId: "premiere:x", range: "a <b> & \"c\"" });
  assert.match(written, /keep me/);
  assert.equal((written.match(/otioRetakeTake/g) || []).length, 2);  // one element: open and close
  const bare = retake.withTakeTag('<x:xmpmeta><rdf:RDF><rdf:Description rdf:about=""/></rdf:RDF></x:xmpmeta>', { letter: "A" });
  assert.deepEqual(retake.takeTag(bare), { letter: "A" });
  assert.match(bare, /xmlns:premierePrivateProjectMetaData=/);
  assert.equal(retake.takeTag("<premierePrivateProjectMetaData:otioRetakeTake>not ours</premierePrivateProjectMetaData:otioRetakeTake>"), null);
});
