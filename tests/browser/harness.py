"""Helpers of the browser tests: the unpacked extension in Debian Chromium, real saved pages served as if from
arxiv.org and scholar.google.com over local TLS, and the real backend (`readnext serve`, tests/servers.py).

Recipe: ../shared/notes/browser-testing.md. Chromium is told that the fake site is a public address
(--ip-address-space-overrides), so a content script that fetched the backend itself would be blocked here as it
is for real users; only the service worker may talk to 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from conftest import shared_path  # tests/conftest.py: ../shared, or a skip (a failure in CI)
from servers import Server  # tests/servers.py: a real `readnext serve` in a subprocess
# The browser driving the benchmarks share (readnext bench session), used here as they are.
from readnext.bench.session import site
from readnext.bench.session.browsers import (  # noqa: F401 (the tests import them from here)
    CHROMEDRIVER, CHROMIUM, EXTENSION_ID, EXTENSION_ORIGIN, configure, extension_call, shadow_call, shadow_calls,
    start_chromium, wait_until)
from readnext.bench.session.site import FAKE_HOSTS, FakeSite  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
ARTIFACTS = REPO / "test-artifacts"
# The saved pages most tests visit, as the fake sites serve them (fake_sites)
ABSTRACT = "https://arxiv.org/abs/2106.09608"
LISTING = "https://arxiv.org/list/cs.LG/new"
SCHOLAR = "https://scholar.google.com/scholar?q=olympus+range&hl=en"


# ---------------------------------------------------------------------------------------------------------------
# The fake arxiv.org / scholar.google.com: a local TLS server that answers the real saved pages.

def _pages() -> dict[tuple[str, str], Path | str]:
    html = shared_path("fixtures", "html")
    return {
        ("arxiv.org", "/abs/2106.09608"): html / "arxiv-abs-2106.09608.html",
        ("arxiv.org", "/abs/2106.09608v2"): html / "arxiv-abs-2106.09608.html",
        # The same abstract in a browse context, as its own "?context=" links open it
        ("arxiv.org", "/abs/2106.09608?context=cs.AI"): html / "arxiv-abs-2106.09608.html",
        ("arxiv.org", "/pdf/2106.09608"): "<!DOCTYPE html><title>PDF</title><p>PDF stands in here.</p>",
        ("arxiv.org", "/list/cs.LG/new"): FIXTURES / "arxiv-list-new.html",
        ("arxiv.org", "/list/cs.CL/2301"): FIXTURES / "arxiv-list-2301-oldmarkup.html",
        ("arxiv.org", "/search/?query=text-based+games+knowledge+graph&searchtype=all"): FIXTURES / "arxiv-search.html",
        ("arxiv.org", "/list/cs.LG/recent"): "<!DOCTYPE html><title>cs.LG recent</title><p>A stand-in listing.</p>",
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


def start_fake_site(certs: Path):
    """Serves the pages of `_pages()` over TLS on a free port; returns the site and its server (to shut down)."""
    return site.start_fake_site(certs, _pages())


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


def now_ms() -> int:
    return int(time.time() * 1000)


def stored(driver, key: str, origin: str = EXTENSION_ORIGIN):
    return extension_call(driver, "done((await chrome.storage.local.get(arguments[0]))[arguments[0]] ?? null);", key,
                          origin=origin)


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
