"""The panel page in a real headless Chromium (Debian's, driven by Playwright) with the fake Premiere
against a live bridge: check ranges, Retake, ask before spending, progress, placed, conform."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import EMULATOR_KEY, REPO
from test_bridge import short_sequence  # the sample sequence, its markers asking for no context

from otio_retake.bridge import BridgeServer
from otio_retake.bridge.security import TOKEN_ENV, PairingGate, load_token
from otio_retake.emulate.server import free_port

PANEL = REPO / "plugins" / "premiere_bridge"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# The README's picture; a run with OTIO_RETAKE_UPDATE_DOCS=1 refreshes it (other runs leave the repository alone).
SCREENSHOT = REPO / "docs" / "premiere-panel.png"


def _check_picture(path: Path) -> None:
    """A real picture of the panel: PNG, a panel's size, not one flat colour."""
    from PIL import Image, ImageStat
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= 300 and image.height >= 300
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 5


def _browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `make setup` installs the test extra")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (`make test` installs it with apt-get)")
    return sync_playwright


def test_panel_plans_asks_retakes_and_places(sample_media, tmp_path, emulator, monkeypatch):
    sync_playwright = _browser()
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    host = emulator("fal", latency=0.3)
    port = free_port()
    with BridgeServer(port, root=tmp_path / "bridge", tokens=load_token(tmp_path / "cfg", env={}),
                      pairing=PairingGate("135790"), base_urls=[f"fal={host.url}"], poll_interval=0.05) as bridge, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 560, "height": 640})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def serve(route):  # the panel's files at the bridge's own origin: same-origin fetches, no CORS
            name = route.request.url.split("/panel/", 1)[1].split("?")[0]
            route.fulfill(path=str(PANEL / name))
        page.route(f"{bridge.url}/panel/**", serve)
        page.add_init_script(path=str(PANEL / "test" / "fake_premierepro.js"))
        page.add_init_script(script=(
            f"window.__FAKE__ = fakePremierePro.createFake({{sequence: {json.dumps(short_sequence(sample_media))}}});"
            f"window.__RETAKE_HOST__ = window.__FAKE__.ppro;"
            f"window.__RETAKE_SETTINGS__ = {{bridge: {json.dumps(bridge.url)}}};"))
        page.goto(f"{bridge.url}/panel/index.html")
        page.wait_for_selector("text=not paired")
        # Pairing: the code once, then the token is kept.
        page.fill("#code", "135790")
        page.click("#pair")
        page.wait_for_selector("text=(paired)")
        assert page.evaluate("localStorage.getItem('otio-retake-token')") == load_token(tmp_path / "cfg", env={}).token
        assert load_token(tmp_path / "cfg", env={}).paired
        page.select_option("#provider", "fal")
        page.click("#plan")
        page.wait_for_selector("#ranges tbody tr >> nth=2")
        rows = page.eval_on_selector_all("#ranges tbody tr", "rows => rows.map(r => [...r.children].map(c => c.textContent))")
        assert [r[0] for r in rows] == ["sky", "crossing", "line"]
        assert [r[2] for r in rows] == ["video", "both", "audio"]
        assert all(r[4].startswith("$") and float(r[4][1:]) > 0 for r in rows)
        assert "env FAL_KEY" in page.text_content("#key")
        # Above the limit: the panel asks first; "Don't" sends nothing.
        page.fill("#limit", "0.5")
        page.click("#retake")
        page.wait_for_selector("#confirm >> text=Spend it?")
        page.click("#dont")
        assert page.is_hidden("#confirm")
        import httpx
        assert httpx.get(host.url + "/_emulator/stats").json()["submitted"] == 0
        page.click("#retake")
        page.click("#spend")
        page.wait_for_selector("text=being generated", timeout=60000)  # progress per range, in words
        page.wait_for_selector("#placed >> text=Placed 3 take(s)", timeout=90000)
        steps = page.eval_on_selector_all("#ranges tbody tr td.step", "cells => cells.map(c => c.textContent)")
        assert steps == ["placed"] * 3
        assert httpx.get(host.url + "/_emulator/stats").json()["submitted"] == 3
        placed = page.evaluate("""async () => {
            const seq = await window.__FAKE__.project.getActiveSequence();
            const l = fakePremierePro.layout(seq);
            return {labels: window.__FAKE__.project.transactions.map(t => t.label), video: l.video.map(t => t.name),
                    audio: l.audio.map(t => t.name), v2: l.video[1].items.map(i => i.start)};
        }""")
        assert placed["labels"].count("Retake: place takes") == 1
        assert placed["video"] == ["V1", "Retake A"] and placed["audio"] == ["A1", "Retake A"]
        assert placed["v2"] == [str(48 * 10584000000), str(204 * 10584000000)]
        shot = tmp_path / "premiere-panel.png"
        page.screenshot(path=str(shot), full_page=True)
        _check_picture(shot)
        if os.environ.get("OTIO_RETAKE_UPDATE_DOCS"):
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)
        # Conform the pick of one range.
        page.select_option("select[data-pick='sky']", "A")
        page.click("#conform")
        page.wait_for_selector("#placed >> text=Conformed 1 range(s)")
        assert page.evaluate("window.__FAKE__.project.transactions.map(t => t.label)")[-1] == "Retake: conform picks"
        # A failure is said in words: the bridge refuses a host with no key. (The placed takes' tracks removed
        # first: with them, every range already has its take and nothing would be planned.)
        page.evaluate("""async () => {
            const seq = await window.__FAKE__.project.getActiveSequence();
            seq._video.splice(1); seq._audio.splice(1);
        }""")
        monkeypatch.delenv("FAL_KEY")
        page.click("#plan")
        page.wait_for_selector("#key >> text=Key: missing for fal")
        browser.close()
    assert not errors, errors


def test_panel_follows_a_command_line_run_of_its_sequence_and_places_its_takes(sample_media, tmp_path, emulator,
                                                                               monkeypatch):
    import subprocess
    import sys
    import time

    import httpx
    sync_playwright = _browser()
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    host = emulator("fal", latency=2.0)
    token = "panel-follow-T0KEN-0123456789"
    with BridgeServer(free_port(), root=tmp_path / "bridge", tokens=load_token(env={TOKEN_ENV: token}),
                      pairing=PairingGate("135790"), base_urls=[f"fal={host.url}"], poll_interval=0.05) as bridge, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 560, "height": 640})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route(f"{bridge.url}/panel/**", lambda route: route.fulfill(
            path=str(PANEL / route.request.url.split("/panel/", 1)[1].split("?")[0])))
        page.add_init_script(path=str(PANEL / "test" / "fake_premierepro.js"))
        page.add_init_script(script=(
            f"window.__FAKE__ = fakePremierePro.createFake({{sequence: {json.dumps(short_sequence(sample_media))}}});"
            f"window.__RETAKE_HOST__ = window.__FAKE__.ppro;"
            f"window.__RETAKE_SETTINGS__ = {{bridge: {json.dumps(bridge.url)}, token: {json.dumps(token)}}};"))
        page.goto(f"{bridge.url}/panel/index.html")
        page.wait_for_selector("text=(paired)")
        page.click("#plan")  # writes the sequence's timeline, which the editor then runs from a terminal
        page.wait_for_selector("#ranges tbody tr >> nth=2")
        assert page.is_hidden("#inprogress")
        originals = page.evaluate("""async () => JSON.stringify(fakePremierePro.layout(
            await window.__FAKE__.project.getActiveSequence()).video[0])""")
        timeline = next((tmp_path / "bridge" / "sequences").glob("*/retake_sample.otio"))
        process = subprocess.Popen(
            [sys.executable, "-m", "otio_retake.cli", "run", str(timeline), "-o", str(tmp_path / "cut.otio"),
             "--provider", "fal", "--base-url", f"fal={host.url}", "--poll-interval", "0.05", "--yes"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            c = httpx.Client(base_url=bridge.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            deadline = time.monotonic() + 60
            while not c.get("/v1/runs", params={"status": "running"}).json():
                assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                time.sleep(0.05)
            page.click("#plan")
            page.wait_for_selector("#inprogress >> text=started from the command line is in progress")
            assert page.is_disabled("#retake")  # one run of a sequence at a time
            page.click("#follow")
            page.wait_for_selector("#ranges td.step >> text=fal's queue", timeout=60000)  # live, in words
            assert process.poll() is None
            page.wait_for_selector("#placed >> text=Placed 3 take(s)", timeout=90000)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
        steps = page.eval_on_selector_all("#ranges tbody tr td.step", "cells => cells.map(c => c.textContent)")
        assert steps == ["placed"] * 3 and page.is_hidden("#inprogress")
        placed = page.evaluate("""async () => {
            const seq = await window.__FAKE__.project.getActiveSequence();
            const l = fakePremierePro.layout(seq);
            return {labels: window.__FAKE__.project.transactions.map(t => t.label), v1: JSON.stringify(l.video[0]),
                    v2: l.video[1].items.map(i => i.start)};
        }""")
        assert placed["labels"].count("Retake: place takes") == 1 and placed["v1"] == originals  # nothing moved
        assert placed["v2"] == [str(48 * 10584000000), str(204 * 10584000000)]
        assert httpx.get(host.url + "/_emulator/stats").json()["submitted"] == 3  # the panel sent nothing
        browser.close()
    assert not errors, errors
