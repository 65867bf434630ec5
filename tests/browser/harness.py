"""Helpers of the browser tests: the unpacked extension in Debian Chromium, real saved pages served as if from
arxiv.org and scholar.google.com over local TLS, and the real backend (`readnext serve`, tests/servers.py).

Recipe: ../shared/notes/browser-testing.md. Chromium is told that the fake site is a public address
(--ip-address-space-overrides), so a content script that fetched the backend itself would be blocked here as it
is for real users; only the service worker may talk to 127.0.0.1.
"""
from __future__ import annotations

import base64
import hashlib
import contextlib
import json
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import shared_path  # tests/conftest.py: ../shared, or a skip (a failure in CI)
from servers import Server  # tests/servers.py: a real `readnext serve` in a subprocess

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FAKE_HOSTS = ("arxiv.org", "scholar.google.com", "evil.example")
# The saved pages most tests visit, as the fake sites serve them (fake_sites)
ABSTRACT = "https://arxiv.org/abs/2106.09608"
LISTING = "https://arxiv.org/list/cs.LG/new"
SCHOLAR = "https://scholar.google.com/scholar?q=olympus+range&hl=en"


def extension_id() -> str:
    """Chromium's id for the unpacked extension, from the manifest's pinned public key."""
    key = base64.b64decode(json.loads((REPO / "manifest.json").read_text())["key"])
    return "".join(chr(ord("a") + int(c, 16)) for c in hashlib.sha256(key).hexdigest()[:32])


EXTENSION_ID = extension_id()
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"


# ---------------------------------------------------------------------------------------------------------------
# The fake arxiv.org / scholar.google.com: a local TLS server that answers the real saved pages.

def _pages() -> dict[tuple[str, str], Path | str]:
    html = shared_path("fixtures", "html")
    return {
        ("arxiv.org", "/abs/2106.09608"): html / "arxiv-abs-2106.09608.html",
        ("arxiv.org", "/abs/2106.09608v2"): html / "arxiv-abs-2106.09608.html",
        ("arxiv.org", "/pdf/2106.09608"): "<!DOCTYPE html><title>PDF</title><p>PDF stands in here.</p>",
        ("arxiv.org", "/list/cs.LG/new"): FIXTURES / "arxiv-list-new.html",
        ("arxiv.org", "/list/cs.CL/2301"): FIXTURES / "arxiv-list-2301-oldmarkup.html",
        ("arxiv.org", "/search/?query=text-based+games+knowledge+graph&searchtype=all"): FIXTURES / "arxiv-search.html",
        ("arxiv.org", "/help"): "<!DOCTYPE html><title>arXiv help</title><p>Not a paper page.</p>",
        # Markup drift: an abstract page redesigned beyond recognition still names the paper in its URL.
        ("arxiv.org", "/abs/2401.00001"): "<!DOCTYPE html><title>New look</title><main><h2>A redesigned page</h2></main>",
        ("scholar.google.com", "/scholar?q=olympus+range&hl=en"): html / "scholar-results-2020.html",
        ("scholar.google.com", "/scholar?q=%22Learning+deep+architectures+for+AI%22&hl=en"):
            html / "scholar-results-2016-oldmarkup.html",
        ("scholar.google.com", "/scholar?q=bull+pass&hl=en"): html / "scholar-captcha.html",
        ("scholar.google.com", "/citations?user=amIMrIEAAAAJ&hl=en"): html / "scholar-profile-2026.html",
        # The same saved profile as another researcher's, and the saved pages with arXiv ids in Scholar's venue
        # text (as Scholar prints preprints), changed as they are served: the files themselves stay as saved.
        ("scholar.google.com", "/citations?user=someoneELSEAAAJ&hl=en"): html / "scholar-profile-2026.html",
        ("scholar.google.com", "/citations?user=arxivVENUEAAAJ&hl=en"): _with_venues(html / "scholar-profile-2026.html", {
            "International Journal of Science and Research Archive (IJSRA) 12 (1), 3111–3126":
                "arXiv preprint arXiv:2410.03532",
            "World Journal of Advanced Research and Reviews (WJARR) 1 (1), 068-081": "CoRR, abs/1206.5538"}),
        ("scholar.google.com", "/scholar?q=arxiv+venues&hl=en"): _with_venues(html / "scholar-results-2020.html", {
            "Terra Antartica, 2002 - sidst3.dst.unisi.it": "arXiv preprint arXiv:2410.03532, 2024 - arxiv.org",
            "JL Smellie\xa0- Terra Antartica, 2001": "JL Smellie\xa0- CoRR, abs/1206.5538, 2012"}),
        # Hand-made (no saved Scholar page links a hit to arXiv): one hit whose title link is an arXiv abstract.
        ("scholar.google.com", "/scholar?q=world+models&hl=en"): SCHOLAR_ARXIV_HIT,
        ("evil.example", "/"): "<!DOCTYPE html><title>Some other site</title><p>A page that would like your history.</p>",
    }


def _with_venues(path: Path, replacements: dict[str, str]) -> str:
    text = path.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


SCHOLAR_ARXIV_HIT = """<!DOCTYPE html><!-- HAND-MADE fixture in Scholar's 2020 result markup -->
<html><head><meta charset="utf-8"><title>Google Scholar</title></head><body><div id="gs_res_ccl_mid">
<div class="gs_r gs_or gs_scl" data-cid="cXeT3ShOpHEJ" data-rp="0"><div class="gs_ri">
<h3 class="gs_rt"><span class="gs_ctc"><span class="gs_ct1">[PDF]</span></span> <a id="cXeT3ShOpHEJ"
 href="https://arxiv.org/abs/2106.09608v2">Learning knowledge graph-based <b>world models</b> of textual environments</a></h3>
<div class="gs_a">P Ammanabrolu, <a href="/citations?user=x">M Riedl</a> - Advances in Neural Information Processing
 Systems, 2021 - arxiv.org</div><div class="gs_rs">World <b>models</b> improve a learning agent's ability &#8230;</div>
<div class="gs_fl"><a href="/scholar?cites=8188755959889491825&amp;hl=en">Cited by 98</a></div></div></div>
</div></body></html>"""


@dataclass
class FakeSite:
    port: int
    pages: dict = field(default_factory=dict)

    def url(self, host: str, path: str) -> str:
        return f"https://{host}{path}"


def _make_handler(site: FakeSite):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            host = (self.headers.get("Host") or "").split(":")[0]
            page = site.pages.get((host, self.path))
            if page is None:
                self.send_error(404)
                return
            body = page.read_bytes() if isinstance(page, Path) else page.encode("utf-8")
            self.send_response(200)
            # The saved files are UTF-8 (the real sites send charset=UTF-8 in the header, which overrides the
            # ISO-8859-1 <meta> some of the Scholar pages still carry).
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def start_fake_site(certs: Path):
    """Serves the pages of `_pages()` over TLS on a free port; returns the site and its server (to shut down)."""
    names = ",".join(f"DNS:{host}" for host in FAKE_HOSTS)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=arxiv.org",
         "-addext", f"subjectAltName={names}", "-keyout", certs / "key.pem", "-out", certs / "cert.pem"],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "cert.pem", certs / "key.pem")
    site = FakeSite(port=0, pages=_pages())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(site))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site, server


# ---------------------------------------------------------------------------------------------------------------
# Chromium with the unpacked extension.

def chromium_options(site_port: int, user_data_dir: str):
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = str(CHROMIUM)
    rules = ", ".join(f"MAP {host} 127.0.0.1:{site_port}" for host in FAKE_HOSTS)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={user_data_dir}", "--window-size=1280,800", "--ignore-certificate-errors",
        # Everything else the saved pages link to (CDNs, fonts) fails at once instead of waiting on DNS.
        f"--host-resolver-rules={rules}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--ip-address-space-overrides=127.0.0.1:{site_port}=public",
        f"--load-extension={REPO}", f"--disable-extensions-except={REPO}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def start_chromium(site_port: int, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=chromium_options(site_port, str(profile)))
    driver.set_page_load_timeout(30)
    return driver


# ---------------------------------------------------------------------------------------------------------------
# The real backend.

class Backend(Server):
    """tests/servers.py's server, with what the browser tests ask of it."""

    @property
    def address(self) -> str:
        """What the user types into the options: the backend's origin."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def api(self, method: str, path: str, body=None):
        status, answer = self.call(method, path, body)
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    def events(self, since_ms: int = 0, shown: bool = False) -> list[dict]:
        """Events since then; the sidebar's `shown` lists only when asked (they come with every rendered list)."""
        return [e for e in self.api("GET", "export")["events"]
                if e["ts"] >= since_ms and (shown or e["type"] != "shown")]


def seed_papers(limit: int = 24) -> list[dict]:
    """The newest computer-science papers of the shared arXiv sample, in the backend's paper shape."""
    papers = []
    for line in shared_path("data", "arxiv-sample.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        if any(c.startswith("cs.") or c == "stat.ML" for c in record["categories"]):
            papers.append({"id": record["id"], "title": record["title"], "abstract": record["abstract"],
                           "authors": record["authors_list"], "categories": record["categories"],
                           "date": (record.get("date") or "")[:10], "source": "arxiv"})
    return sorted(papers, key=lambda paper: paper["date"], reverse=True)[:limit]


# ---------------------------------------------------------------------------------------------------------------
# Helpers the tests share.


@contextlib.contextmanager
def seeded_backend(home, bert_as: str = "view"):
    """A backend with a small corpus, and a history of one paper (BERT), read (`view`) or the user's own
    (`authored`), so that answers are personal."""
    papers = seed_papers()
    events = [{"id": f"seed-impression-{p['id']}", "type": "impression", "paper": p, "site": "arxiv"} for p in papers]
    bert = next(p for p in papers if p["id"] == "1810.04805")
    events.append({"id": "seed-view-bert", "type": "view", "paper": bert, "seconds": 95.0, "site": "arxiv"}
                  if bert_as == "view" else
                  {"id": f"seed-{bert_as}-bert", "type": bert_as, "paper": bert, "site": "scholar"})
    server = Backend(home).start()
    try:
        answer = server.api("POST", "events", {"events": events})
        assert answer["accepted"] == len(events), answer
        yield server
    finally:
        server.stop()


def wait_until(probe, timeout: float = 20, interval: float = 0.2, message: str = "condition"):
    """probe()'s first truthy value; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def now_ms() -> int:
    return int(time.time() * 1000)


def configure(driver, backend: Backend, *, min_seconds: int = 1, token: str | None = None,
              origin: str = EXTENSION_ORIGIN) -> None:
    """Pairs the extension as a user would: on the options page, the backend's address and token, then Save.
    `origin`: the extension's, in Firefox (firefox.py)."""
    driver.get(f"{origin}/extension/options/options.html")
    wait_until(lambda: driver.find_element("id", "backend").get_attribute("value"), message="the options page")
    fields = {"backend": backend.address, "token": backend.token if token is None else token,
              "min-seconds": str(min_seconds)}
    for name, value in fields.items():
        element = driver.find_element("id", name)
        element.clear()
        element.send_keys(value)
    driver.find_element("id", "save").click()
    wait_until(lambda: driver.find_element("id", "result").text == "Saved.", message="the options to save")


def extension_call(driver, script: str, *args, origin: str = EXTENSION_ORIGIN):
    """Runs an async script in an extension page (in a tab of its own) and returns its result; the script calls
    `done(value)`. Used to read the extension's storage as the extension itself sees it."""
    original = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        driver.get(f"{origin}/extension/popup/popup.html")
        return driver.execute_async_script(
            f"const done = arguments[arguments.length - 1]; (async () => {{ {script} }})().catch((e) => done('error: ' + e));",
            *args)
    finally:
        driver.close()
        driver.switch_to.window(original)


def stored(driver, key: str, origin: str = EXTENSION_ORIGIN):
    return extension_call(driver, "done((await chrome.storage.local.get(arguments[0]))[arguments[0]] ?? null);", key,
                          origin=origin)


def shadow_calls(driver, host_tag: str, function: str, *args) -> list:
    """Calls `function` (JavaScript source, `this` = the shadow root) on the closed shadow root of every `host_tag`
    element, through the DevTools protocol, which can reach closed roots; a list of the results."""
    document = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})
    roots = []

    def collect(node):
        if node.get("localName") == host_tag and node.get("shadowRoots"):
            roots.append(node["shadowRoots"][0])
        for child in node.get("children", []) + node.get("shadowRoots", []):
            collect(child)

    collect(document["root"])
    results = []
    for root in roots:
        remote = driver.execute_cdp_cmd("DOM.resolveNode", {"backendNodeId": root["backendNodeId"]})
        result = driver.execute_cdp_cmd("Runtime.callFunctionOn", {
            "objectId": remote["object"]["objectId"], "functionDeclaration": function,
            "arguments": [{"value": a} for a in args], "returnByValue": True, "awaitPromise": True,
        })
        if "exceptionDetails" in result:
            raise AssertionError(f"script in the shadow root failed: {result['exceptionDetails']}")
        results.append(result["result"].get("value"))
    return results


def shadow_call(driver, host_tag: str, function: str, *args):
    """shadow_calls on the first `host_tag` element only; None when there is none."""
    results = shadow_calls(driver, host_tag, function, *args)
    return results[0] if results else None


SIDEBAR = "readnext-sidebar"

CARDS_JS = """function () {
  return [...this.querySelectorAll('article.card')].map((card) => ({
    id: card.dataset.paperId,
    section: card.closest('[data-section]')?.dataset.section ?? '',
    title: card.querySelector('.title').textContent,
    score: card.querySelector('.score')?.textContent ?? '',
    chips: [...card.querySelectorAll('.chip')].map((chip) => chip.textContent),
    images: card.querySelectorAll('img').length,
  }));
}"""

STATE_JS = "function () { return this.querySelector('[data-state]')?.dataset.state ?? (this.querySelector('article.card') ? 'cards' : ''); }"

CLICK_JS = """function (paperId, action) {
  const button = this.querySelector(`article.card[data-paper-id="${paperId}"] button[data-action="${action}"]`);
  button.click();
  return true;
}"""


def sidebar_cards(driver) -> list[dict]:
    return shadow_call(driver, SIDEBAR, CARDS_JS) or []


def sidebar_state(driver) -> str:
    return shadow_call(driver, SIDEBAR, STATE_JS) or ""


def kill_service_worker(driver) -> int:
    """Stops the extension's service worker as Chromium does when it idles; returns how many were stopped."""
    targets = driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
    workers = [t for t in targets if t["type"] == "service_worker" and t["url"].startswith(EXTENSION_ORIGIN)]
    for worker in workers:
        driver.execute_cdp_cmd("Target.closeTarget", {"targetId": worker["targetId"]})
    return len(workers)
