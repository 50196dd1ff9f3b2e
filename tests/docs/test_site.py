"""The docs site in a real browser: headless Chromium (Debian's package) driven by Selenium.

Builds the site with ``mkdocs build --strict`` at CI size (``SIMBIAS_DOCS_SIZE=ci``) unless
``SIMBIAS_SITE_DIR`` names a site that is already built, serves it on 127.0.0.1, and opens the
home page, a concept page, a notebook page and the API page.  On each: no console errors, every
``<img>`` loaded with a non-zero natural size, math typeset by MathJax where the page has math,
and every internal link answers 200.  Screenshots go to ``site-screenshots/`` for review.

Marked ``docs``: not part of ``make test``; run with ``make docs-test`` (or ``pytest -m docs tests/docs``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "site-screenshots"

# (path under the site, name of the screenshot, whether the page must show typeset math)
PAGES = [
    ("", "home", False),
    ("concepts/fprinciple/", "concept-fprinciple", True),
    ("gallery/fprinciple_1d/", "notebook-fprinciple-1d", True),
    ("reference/api/", "api", False),
]


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    given = os.environ.get("SIMBIAS_SITE_DIR")
    if given:
        path = Path(given)
        assert (path / "index.html").is_file(), f"SIMBIAS_SITE_DIR={given} holds no built site (index.html)"
        return path
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, SIMBIAS_DOCS_SIZE=os.environ.get("SIMBIAS_DOCS_SIZE", "ci"))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="session")
def base_url(site_dir):
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _ensure_chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver; installs Debian's packages when they are missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        if not shutil.which("apt-get"):
            pytest.skip("chromium/chromedriver missing and no apt-get to install them")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True, env=env,
                       timeout=1800)
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        driver = shutil.which("chromedriver")
    assert browser and driver, "apt-get installed chromium but chromium/chromedriver are not on PATH"
    return browser, driver


@pytest.fixture(scope="session")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = _ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1600", "--hide-scrollbars"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def test_every_notebook_page_shows_its_figures(site_dir):
    """Each gallery notebook was executed at build time and its plots are on its page."""
    notebooks = sorted((ROOT / "docs" / "gallery").glob("*.ipynb"))
    assert notebooks, "no notebooks in docs/gallery"
    empty = []
    for nb in notebooks:
        html = (site_dir / "gallery" / nb.stem / "index.html").read_text(encoding="utf-8")
        if html.count("<img") < 1 or "jp-OutputArea-output" not in html:
            empty.append(nb.name)
    assert not empty, f"notebook pages without figures or outputs: {empty}"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("path,name,has_math", PAGES, ids=[p[1] for p in PAGES])
def test_page_in_browser(browser, base_url, path, name, has_math):
    url = base_url + path
    browser.get(url)
    # wait for MathJax (when the page loads it) to finish typesetting, and for every image to settle
    browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const imgs = Array.from(document.images).map(img => img.complete ? Promise.resolve() :
            new Promise(r => { img.onload = r; img.onerror = r; }));
        const math = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
        Promise.all([math, ...imgs]).then(() => done(true), () => done(false));
    """)
    SHOTS.mkdir(exist_ok=True)
    height = browser.execute_script("return Math.min(document.body.scrollHeight, 6000)")
    browser.set_window_size(1280, max(800, height))
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    browser.set_window_size(1280, 1600)

    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, f"{url}: console errors: {errors}"

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc.slice(0, 120), i.complete, i.naturalWidth, i.naturalHeight])")
    broken = [img for img in images if not (img[1] and img[2] > 0 and img[3] > 0)]
    assert not broken, f"{url}: images that did not load: {broken}"
    if name.startswith("notebook"):
        assert len(images) >= 3, f"{url}: the executed notebook shows {len(images)} figures, expected its plots"

    if has_math:
        typeset = browser.execute_script("return document.querySelectorAll('mjx-container').length")
        raw = browser.execute_script(
            "return Array.from(document.querySelectorAll('.arithmatex')).filter(e => !e.querySelector('mjx-container')).length")
        assert typeset > 0, f"{url}: no MathJax output (mjx-container) on a page with formulas"
        assert raw == 0, f"{url}: {raw} formulas left untypeset"

    hrefs = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    internal = sorted({urllib.parse.urldefrag(h)[0] for h in hrefs if h.startswith(base_url)})
    assert internal, f"{url}: no internal links found"
    bad = [(h, s) for h in internal if (s := _status(h)) != 200]
    assert not bad, f"{url}: internal links that do not answer 200: {bad}"
