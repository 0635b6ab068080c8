"""Open every page of the built site in headless Chromium and fail on what a reader would see.

``python site/check_site.py [SITE_DIR] [SHOTS_DIR]`` (``make site-check`` builds the site
first). The site is served on 127.0.0.1; each page is opened with Selenium in Debian's
Chromium. A page fails on

- a JavaScript console error;
- an internal link that does not answer 200, or whose #anchor is not on the target page;
- an image that does not load;
- math left unrendered: a ``.math`` element with no MathJax output, or raw ``\\(`` / ``$$``
  delimiters in the page text;
- a request to any host other than the local server.

It saves a full-page screenshot of every chapter in SHOTS_DIR (``build/site-check``) and
prints a table: page, load time, images, equations rendered, links checked.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import re
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT_S = 120


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(300)      # the longest chapters are a few MB of figures
    return driver


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const ready = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
  ? MathJax.startup.promise.then(() => done(true), () => done(false)) : done(null);
if (document.readyState === "complete") ready(); else window.addEventListener("load", ready);
"""

PAGE_FACTS = """
const math = Array.from(document.querySelectorAll(".math"));
const text = document.querySelector("main") ? document.querySelector("main").innerText : document.body.innerText;
return {
  images: document.images.length,
  broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  math: math.length,
  rendered: math.filter(m => m.querySelector("mjx-container")).length,
  raw: (text.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || []).length,
  links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
  height: document.documentElement.scrollHeight,
};
"""


@functools.cache
def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def screenshot(driver, path, height):
    """The whole page at half scale, through the DevTools protocol (a window as tall as a long
    chapter makes ChromeDriver's own screenshot time out). The viewport is first made as tall as
    the page, so the browser lays out and paints all of it at the window's width; capturing beyond
    a short viewport instead gave pages shifted sideways, with code cells left unpainted."""
    metrics = {"width": 1280, "height": min(int(height), 30000), "deviceScaleFactor": 0.5, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        driver.execute_script("window.scrollTo(0, 0);")
        driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]));")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


def check_page(driver, base, page, shots):
    url = base + page
    started = time.perf_counter()
    driver.get(url)
    driver.set_script_timeout(WAIT_S)
    driver.execute_async_script(WAIT_FOR_MATHJAX)
    seconds = time.perf_counter() - started
    facts = driver.execute_script(PAGE_FACTS)
    problems = []
    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE":
            problems.append(f"console error: {entry['message'][:200]}")
    host = urlparse(base).netloc
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requested = message["params"]["request"]["url"]
            if not requested.startswith(("http:", "https:", "ws:", "wss:")):
                continue                  # data:, blob:, and the browser's own chrome:// pages
            if urlparse(requested).netloc != host:
                problems.append(f"request to another host: {requested[:120]}")
    problems += [f"image did not load: {src}" for src in facts["broken"]]
    if facts["rendered"] < facts["math"]:
        problems.append(f"math not rendered: {facts['math'] - facts['rendered']} of {facts['math']} "
                        f"equations have no MathJax output")
    if facts["raw"]:
        problems.append(f"raw math delimiters in the page text: {facts['raw']}")
    internal = sorted({link for link in facts["links"] if urlparse(link).netloc == host})
    for link in internal:
        target, anchor = urldefrag(link)
        status, html = fetch(target)
        if status != 200:
            problems.append(f"link answers {status}: {link}")
        elif anchor and not re.search(rf'id="{re.escape(anchor)}"', html):
            problems.append(f"link to a missing anchor: {link}")
    if page.startswith("notebooks/") and page[10:12].isdigit():
        screenshot(driver, shots / (Path(page).stem + ".png"), facts["height"])
    return {"page": page, "seconds": seconds, "images": facts["images"], "math": facts["math"],
            "rendered": facts["rendered"], "links": len(internal), "problems": problems}


def main(site_dir, shots_dir):
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        print(f"{', '.join(missing)} not found: the check drives Debian's Chromium. Install it with "
              f"`apt-get install chromium chromium-driver` (as root), then run make site-check again.")
        return 2
    site_dir, shots = Path(site_dir), Path(shots_dir)
    if not (site_dir / "index.html").exists():
        print(f"no site in {site_dir}: run make site first")
        return 2
    shots.mkdir(parents=True, exist_ok=True)
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")
                   if not p.relative_to(site_dir).as_posix().startswith(("_", "genindex", "search")))
    pages += ["search.html"]
    server, base = serve(site_dir)
    rows = []
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(profile)
        driver.get_log("browser"), driver.get_log("performance")     # what the browser did at start
        try:
            for page in pages:
                rows.append(check_page(driver, base, page, shots))
        finally:
            driver.quit()
            server.shutdown()
    print("| page | load time | images | equations rendered | links checked | problems |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['page']} | {r['seconds']:.2f} s | {r['images']} | {r['rendered']}/{r['math']} | "
              f"{r['links']} | {len(r['problems']) or 'none'} |")
    failed = [r for r in rows if r["problems"]]
    for r in failed:
        print(f"\n{r['page']}:")
        for p in r["problems"][:20]:
            print(f"  - {p}")
    print(f"\n{len(rows)} pages checked, {len(failed)} with problems; screenshots in {shots}")
    return 1 if failed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0] if args else ROOT / "build" / "site",
                  args[1] if len(args) > 1 else ROOT / "build" / "site-check"))
