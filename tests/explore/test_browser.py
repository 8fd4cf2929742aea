"""The explore pages in a real browser: Debian's headless Chromium driven by Playwright.

Skipped (with the reason) where chromium or the playwright package is missing; `install.sh`
installs both. Each test takes a screenshot of its page; with VIDEOBERT_SCREENSHOTS=1 they are
written to docs/explore/ (the README shows them: `VIDEOBERT_SCREENSHOTS=1 python3 -m pytest
tests/explore/test_browser.py`), else to pytest's temporary directory, so a test run never
changes the checkout.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "explore" if os.environ.get("VIDEOBERT_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "videobert-explore-screenshots")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def base_url(explorer):
    from werkzeug.serving import make_server

    from videobert.explore.server import create_app

    explorer.load_model()
    server = make_server("127.0.0.1", 0, create_app(explorer), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium; install.sh does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 800})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    pg.errors = errors
    yield pg
    ctx.close()
    assert not errors, errors  # no console errors on any page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_vocabulary_grid_shows_every_word_and_opens_its_clips(page, base_url, explorer):
    page.goto(f"{base_url}/vocab")
    page.wait_for_load_state("networkidle")
    leaves = page.eval_on_selector_all(".word", "els => els.map(e => +e.dataset.leaf)")
    assert sorted(leaves) == list(range(explorer.vocab.num_tokens))
    # every animated exemplar loaded (a real GIF, not a broken image)
    assert page.eval_on_selector_all(".word img", "els => els.every(i => i.complete && i.naturalWidth > 0)")
    shot(page, "vocabulary")
    used = max(explorer.words, key=lambda w: w["count"])
    page.click(f'.word[data-leaf="{used["leaf"]}"]')
    page.wait_for_url(f"**/word/{used['leaf']}")
    page.wait_for_load_state("networkidle")
    clips = page.locator("a.clip")
    assert clips.count() == min(used["count"], 200) > 0
    shot(page, "word")
    clips.first.click()  # a clip opens its video at that time
    page.wait_for_url("**/video/**")
    first = used["clips"][0]
    assert page.url.endswith(f"/video/{first['video_id']}#t={first['start']:.2f}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    t = page.evaluate("document.getElementById('player').currentTime")
    assert abs(t - first["start"]) < 0.2


def test_video_page_seeks_on_sentence_and_token_click(page, base_url, explorer):
    vid = next(v for v, rec in explorer.videos.items() if len(rec["sentences"]) >= 3)
    page.goto(f"{base_url}/video/{vid}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")  # metadata via Range requests
    sentences = explorer.videos[vid]["sentences"]
    for i in (2, 1):
        page.click(f"#s{i} .text")
        page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {sentences[i]['start']}) < 0.05")
    tok = page.locator(".tok").nth(3)
    tok.click()
    start = float(tok.get_attribute("data-t"))
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.05")
    # with the model: zero-shot labels and forecasts under the sentences
    assert page.locator(".sentence .model").count() >= 1
    page.click("#s1 .text")
    page.wait_for_timeout(300)  # the highlighted sentence follows the player
    shot(page, "video")


def test_search_finds_a_training_caption_in_its_top5(page, base_url, explorer):
    from videobert.tasks.annotations import load_youcook

    train = {s.video_id for s in load_youcook(explorer.annotations, "training")}
    vid = sorted(v for v in explorer.videos if v in train)[0]
    si, s = next((i, s) for i, s in enumerate(explorer.videos[vid]["sentences"]) if s["hi"] > s["lo"])
    page.goto(f"{base_url}/search")
    page.fill("input[name=q]", s["text"])
    page.click("#search button[type=submit]")
    page.wait_for_selector(".result")
    page.wait_for_load_state("networkidle")
    top5 = page.eval_on_selector_all(".result", "els => els.slice(0, 5).map(e => [e.dataset.video, +e.dataset.sentence])")
    assert [vid, si] in top5, (s["text"], top5)
    assert page.locator(".strip").count() == 3  # text-to-video strips
    assert page.eval_on_selector_all(".result img, .strip img", "els => els.every(i => i.complete && i.naturalWidth > 0)")
    shot(page, "search")
    page.click(".result a >> nth=0")
    page.wait_for_url("**/video/**")
