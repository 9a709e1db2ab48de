/*
 * The Retake panel's page: draws what retake.js does. No Premiere logic here.
 * In UXP `premierepro` comes from require(); a test page may provide a fake host as window.__RETAKE_HOST__.
 */
(function () {
  "use strict";
  const BRIDGE = "http://127.0.0.1:8733";  // `otio-retake install premiere --port N` rewrites this line
  const settings = Object.assign({ bridge: BRIDGE, token: null }, window.__RETAKE_SETTINGS__ || {});
  const retake = window.retake || require("./retake.js");
  const ppro = window.__RETAKE_HOST__ || require("premierepro");
  const $ = (id) => document.getElementById(id);
  const store = window.localStorage;
  let token = settings.token || (store && store.getItem("otio-retake-token")) || null;
  let plan = null;
  let runId = null;
  let result = null;

  function options() {
    return { bridge: settings.bridge, token, provider: $("provider").value, markerColor: $("color").value || null,
      takes: Number($("takes").value) || null };
  }

  function showError(exc) {
    const box = $("error");
    box.querySelector(".message").textContent = exc.message || String(exc);
    box.querySelector(".hint").textContent = exc.hint ? "What to do: " + exc.hint : "";
    box.style.display = "block";
  }

  function clearError() { $("error").style.display = "none"; }

  function option(text, value) {  // createElement, not `new Option()`: UXP implements a subset of the DOM
    const o = document.createElement("option");
    o.textContent = text;
    o.value = value;
    return o;
  }

  function money(value) { return "$" + Number(value || 0).toFixed(2); }

  function row(name) {
    for (const tr of document.querySelectorAll("#ranges tbody tr")) if (tr.dataset.range === name) return tr;
    return null;
  }

  function drawPlan() {
    const body = $("ranges").querySelector("tbody");
    body.textContent = "";
    for (const r of plan.ranges) {
      const tr = document.createElement("tr");
      tr.dataset.range = r.name;
      const cells = [r.name, r.prompt, r.mode, String(r.takes), money(r.cost_usd), "ready to send", ""];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 1) td.className = "prompt";
        if (i === 5) td.className = "step";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    $("total").textContent = plan.ranges.length + " range(s), estimated total " + money(plan.total_usd) + " on " + plan.key.provider;
    $("key").textContent = plan.key.configured ? "Key: " + plan.key.source
      : "Key: missing for " + plan.key.provider + " (set it where the bridge runs, then restart the bridge)";
    for (const s of plan.skipped) {  // where the marker is (its record timecode), so the editor can find it
      $("key").textContent += " | skipped '" + s.name + "'" + (s.record_in ? " at " + s.record_in : "") + ": " + s.reason;
    }
  }

  function setStep(name, text, kind) {
    const tr = row(name);
    if (!tr) return;
    const cell = tr.children[5];
    cell.textContent = text;
    cell.className = "step" + (kind ? " " + kind : "");
  }

  async function health() {
    try {
      const response = await fetch(settings.bridge + "/v1/health");
      const body = await response.json();
      $("status").textContent = "Bridge " + body.version + " at " + settings.bridge + (token ? " (paired)" : " (not paired)");
    } catch (exc) {
      $("status").textContent = "The bridge is not running at " + settings.bridge + ": start `otio-retake bridge`";
    }
    $("pairing").classList.toggle("hidden", !!token);
    if (token) checkInProgress().catch(() => {});  // no sequence open yet: asked again at "Check ranges"
  }

  async function doPlan() {
    clearError();
    try {
      plan = await retake.planMarkedRanges(ppro, options());
      drawPlan();
      $("retake").disabled = false;
      await checkInProgress();
    } catch (exc) {
      showError(exc);
    }
  }

  // A run of this sequence already going (`otio-retake run` on its timeline, or another panel): offer to follow it.
  async function checkInProgress() {
    const running = await retake.runInProgress(ppro, options());
    $("inprogress").classList.toggle("hidden", !running);
    if (!running) return null;
    const who = running.origin === "command line" ? "from the command line" : "from a panel";
    $("inprogress-text").textContent = "A retake of this sequence started " + who + " is in progress (" +
      running.takes_finished + " of " + running.takes_total + " take(s) finished). Follow it to place its takes here.";
    $("follow").dataset.run = running.id;
    $("retake").disabled = true;  // the bridge would refuse a second run of the sequence now
    return running;
  }

  function ask(total) {
    return new Promise((resolve) => {
      $("confirm-text").textContent = "This run may cost about " + money(total) + ", more than your limit of " +
        money($("limit").value) + ". Spend it?";
      $("confirm").style.display = "block";
      $("spend").onclick = () => { $("confirm").style.display = "none"; resolve(true); };
      $("dont").onclick = () => { $("confirm").style.display = "none"; resolve(false); };
    });
  }

  async function doRetake() {
    clearError();
    if (!plan) await doPlan();
    if (!plan) return;
    const limit = Number($("limit").value);
    let maxCostUsd = null;
    if (plan.total_usd > limit) {
      if (!(await ask(plan.total_usd))) return;
      maxCostUsd = plan.total_usd;
    } else {
      maxCostUsd = limit;  // the bridge refuses a run that turns out dearer than what was accepted
    }
    $("retake").disabled = true;
    $("cancel").disabled = false;
    $("placed").textContent = "";
    try {
      result = await retake.retakeMarkedRanges(ppro, Object.assign(options(), {
        maxCostUsd, onRun: (id) => { runId = id; }, onProgress: showProgress }));
      showPlaced();
    } catch (exc) {
      showError(exc);
    } finally {
      $("retake").disabled = false;
      $("cancel").disabled = true;
    }
  }

  function showProgress(e) {
    if (e.kind === "end") return;
    const label = plan && plan.ranges.find((r) => r.name === e.range && r.takes > 1) ? "take " + e.take + ": " : "";
    setStep(e.range, label + e.words, e.kind === "failed" ? "failed" : e.kind === "done" || e.kind === "reused" ? "ready" : "");
  }

  async function doFollow() {
    clearError();
    $("follow").disabled = true;
    $("retake").disabled = true;
    $("cancel").disabled = false;
    $("placed").textContent = "";
    try {
      result = await retake.followRun(ppro, Object.assign(options(), {
        runId: $("follow").dataset.run || null, onRun: (id) => { runId = id; }, onProgress: showProgress }));
      $("inprogress").classList.add("hidden");
      showPlaced();
    } catch (exc) {
      showError(exc);
    } finally {
      $("follow").disabled = false;
      $("retake").disabled = false;
      $("cancel").disabled = true;
    }
  }

  function showPlaced() {
    for (const r of result.ranges) {
      setStep(r.name, "placed", "ready");
      const pick = document.createElement("select");
      pick.dataset.pick = r.name;
      pick.appendChild(option("keep", ""));
      r.takes.forEach((_, i) => pick.appendChild(option("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i])));
      const tr = row(r.name);  // a run from elsewhere may hold ranges this panel's check did not list
      if (tr) tr.children[6].appendChild(pick);
    }
    $("placed").textContent = "Placed " + result.ranges.reduce((n, r) => n + r.takes.length, 0) +
      " take(s) on new tracks; they are in the bin '" + result.bin + "'. Edit > Undo takes them away in one step." +
      (result.warnings.length ? " Note: " + result.warnings.join("; ") : "");
    $("conform").disabled = false;
  }

  async function doCancel() {
    if (!runId) return;
    $("cancel").disabled = true;
    try {
      await retake.cancelRun(options(), runId);
    } catch (exc) {
      showError(exc);
    }
  }

  async function doConform() {
    clearError();
    const picks = {};
    document.querySelectorAll("select[data-pick]").forEach((s) => { if (s.value) picks[s.dataset.pick] = s.value; });
    try {
      const done = await retake.conformRetakes(ppro, Object.assign(options(), { picks, run: result && result.run }));
      $("placed").textContent = "Conformed " + Object.keys(done.picks).length + " range(s) into the cut (one undo step); " +
        "final cut written to " + done.outputs[0];
    } catch (exc) {
      showError(exc);
    }
  }

  async function doPair() {
    clearError();
    try {
      token = await retake.pair({ bridge: settings.bridge, code: $("code").value, fetch: window.fetch.bind(window) });
      if (store) store.setItem("otio-retake-token", token);
      await health();
    } catch (exc) {
      showError(exc);
    }
  }

  $("plan").addEventListener("click", doPlan);
  $("retake").addEventListener("click", doRetake);
  $("cancel").addEventListener("click", doCancel);
  $("follow").addEventListener("click", doFollow);
  $("conform").addEventListener("click", doConform);
  $("pair").addEventListener("click", doPair);
  health();
})();
