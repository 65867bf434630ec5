"""A fake https://arxiv.org and https://scholar.google.com: a local TLS server answering saved pages.

The browsers are told these names are 127.0.0.1 (browsers.py), so the extension's content scripts run on
`https://arxiv.org/...` exactly as shipped. Recipe: ../shared/notes/browser-testing.md.
"""
from __future__ import annotations

import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAKE_HOSTS = ("arxiv.org", "scholar.google.com", "evil.example")


@dataclass
class FakeSite:
    """`pages`: (host, path with query) -> a file or the page's text. Pages may be added while it serves."""
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


def start_fake_site(certs: Path, pages: dict):
    """Serves `pages` over TLS on a free port, with a self-signed certificate for FAKE_HOSTS made in `certs`;
    returns the site and its server (to shut down)."""
    names = ",".join(f"DNS:{host}" for host in FAKE_HOSTS)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=arxiv.org",
         "-addext", f"subjectAltName={names}", "-keyout", certs / "key.pem", "-out", certs / "cert.pem"],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "cert.pem", certs / "key.pem")
    site = FakeSite(port=0, pages=pages)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(site))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site, server
