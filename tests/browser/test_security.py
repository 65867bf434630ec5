"""Pages other than the extension get nothing: not the history, not the token, no way to post events."""
import json
import time
import urllib.error
import urllib.request

import pytest

from .harness import ABSTRACT, EXTENSION_ID, EXTENSION_ORIGIN, configure, now_ms

pytestmark = pytest.mark.browser

EVIL = "https://evil.example/"

ATTACK_JS = """const [base, done] = [arguments[0], arguments[arguments.length - 1]];
const attempt = (promise) => promise.then((r) => (r.type === 'opaque' ? 'opaque' : `status ${r.status}`), (e) => `failed: ${e.name}`);
(async () => done({
  history: await attempt(fetch(`${base}/api/v1/history`)),
  export: await attempt(fetch(`${base}/api/v1/export`, {credentials: 'include'})),
  events: await attempt(fetch(`${base}/api/v1/events`, {method: 'POST', mode: 'no-cors', body: JSON.stringify({events: [
    {id: 'forged-1', type: 'save', paper: {id: '2106.09608', title: 'forged'}}]})})),
  runtime: typeof window.chrome?.runtime?.sendMessage,
}))();"""


def test_another_origin_cannot_read_history_or_post_events(browser, backend):
    configure(browser, backend)
    start = now_ms()
    browser.get(EVIL)
    result = browser.execute_async_script(ATTACK_JS, backend.address)
    assert result["history"].startswith("failed") and result["export"].startswith("failed"), result
    assert result["events"] in ("opaque",) or result["events"].startswith("failed"), result
    assert result["runtime"] == "undefined"  # no messaging with the extension from the web
    time.sleep(0.5)
    assert [e for e in backend.events(start) if e["id"] == "forged-1"] == []


def test_backend_refuses_a_web_origin_even_with_the_token(backend):
    request = urllib.request.Request(f"{backend.url}/history", headers={
        "Origin": "https://evil.example", "Authorization": f"Bearer {backend.token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert "Access-Control-Allow-Origin" not in refused.value.headers
    assert json.loads(refused.value.read())["error"]["code"] == "forbidden"


def test_arxiv_page_scripts_cannot_reach_the_token_or_post_events(browser, backend):
    """The content script's world is not the page's: page scripts can load the extension's (public) modules but
    not its storage, and a message posted to the window is not an event."""
    configure(browser, backend)
    start = now_ms()
    browser.get(ABSTRACT)
    result = browser.execute_async_script("""const done = arguments[arguments.length - 1];
      window.postMessage({type: 'feedback', events: [{id: 'forged-2', type: 'save', paper: {id: '2106.09608'}}]}, '*');
      import(arguments[0] + '/extension/shared/settings.js')
        .then((settings) => settings.loadToken())
        .then((token) => done('token: ' + token), (error) => done('refused: ' + error.name));""", EXTENSION_ORIGIN)
    assert result.startswith("refused"), result
    assert browser.execute_script("return typeof window.chrome?.runtime?.sendMessage") == "undefined"
    private = browser.execute_async_script("""const done = arguments[arguments.length - 1];
      import(arguments[0] + '/extension/background/router.js').then(() => done('loaded'), () => done('refused'));""",
                                          EXTENSION_ORIGIN)
    assert private == "refused"  # the worker's code is not web-accessible
    time.sleep(0.5)
    assert [e for e in backend.events(start) if e["id"] == "forged-2"] == []


def test_extension_id_is_pinned_by_the_manifest_key(browser):
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    assert browser.execute_script("return chrome.runtime.id") == EXTENSION_ID


LINKS_JS = """const done = arguments[arguments.length - 1];
import('/extension/shared/links.js').then((links) => done(arguments[0].map((paper) => links.paperUrl(paper))),
                                          (error) => done('import failed: ' + error));"""


def test_only_http_links_become_a_papers_href(browser):
    """The one link rule of the sidebar's cards and Your ReadNext: a paper's own URL when it is http(s), else its
    arXiv abstract for an arXiv id, else no link; javascript: and data: URLs are never followed."""
    browser.get(f"{EXTENSION_ORIGIN}/extension/popup/popup.html")
    papers = [
        {"id": "scholar:1", "url": "https://example.org/paper.pdf"},
        {"id": "scholar:2", "url": "http://example.org/old"},
        {"id": "2106.09608", "url": "javascript:alert(1)"},
        {"id": "hep-th/9901001", "url": ""},
        {"id": "scholar:3", "url": "javascript:alert(1)"},
        {"id": "doi:10.1000/x", "url": "data:text/html,<script>alert(1)</script>"},
        {"id": "scholarpub:abc", "url": "  JAVASCRIPT:alert(1)"},
    ]
    assert browser.execute_async_script(LINKS_JS, papers) == [
        "https://example.org/paper.pdf", "http://example.org/old", "https://arxiv.org/abs/2106.09608",
        "https://arxiv.org/abs/hep-th/9901001", "", "", ""]
