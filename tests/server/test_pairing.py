"""Pairing without copy-paste: the protocol (readnext/pairing.py), its endpoints, and `readnext pair` against a
real server. The browser side is tests/browser/test_pairing.py."""
import subprocess
import sys

import pytest

from readnext.server.app import create_app
from readnext.errors import NotFound, TooManyRequests, ValidationError
from readnext.config import Config
from readnext.server.pairing import ATTEMPT_SECONDS, MAX_STARTS_PER_MINUTE, MAX_WAITING, MAX_WAITING_IN_ALL, Pairings

EXTENSION = "chrome-extension://" + "a" * 32
OTHER_EXTENSION = "chrome-extension://" + "c" * 32
SECRET = "s" * 43
HOST = {"Host": "127.0.0.1:8765"}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def pairings(clock):
    return Pairings("the-token", clock=clock)


def test_confirmed_attempt_gets_the_token_once(pairings):
    attempt = pairings.start(EXTENSION, SECRET)
    assert len(attempt.code) == 6 and attempt.code.isdigit()
    assert pairings.collect(attempt.id, SECRET)["state"] == "waiting"
    assert pairings.waiting() == [{"code": f"{attempt.code[:3]}-{attempt.code[3:]}", "origin": EXTENSION,
                                   "expires_in": ATTEMPT_SECONDS}]
    pairings.confirm(f"{attempt.code[:3]}-{attempt.code[3:]}")
    assert pairings.collect(attempt.id, SECRET) == {"state": "paired", "token": "the-token"}
    with pytest.raises(NotFound):  # a replay of the same collection gets nothing
        pairings.collect(attempt.id, SECRET)
    assert pairings.waiting() == []


def test_a_wrong_code_confirms_nothing(pairings):
    attempt = pairings.start(EXTENSION, SECRET)
    wrong = f"{(int(attempt.code) + 1) % 10 ** 6:06d}"
    with pytest.raises(NotFound):
        pairings.confirm(wrong)
    with pytest.raises(ValidationError):
        pairings.confirm("12")
    assert pairings.collect(attempt.id, SECRET)["state"] == "waiting"


def test_a_code_cannot_be_confirmed_twice(pairings):
    attempt = pairings.start(EXTENSION, SECRET)
    pairings.confirm(attempt.code)
    with pytest.raises(NotFound):
        pairings.confirm(attempt.code)


def test_only_the_attempts_own_secret_collects_the_token(pairings):
    attempt = pairings.start(EXTENSION, SECRET)
    pairings.confirm(attempt.code)
    with pytest.raises(NotFound):
        pairings.collect(attempt.id, "t" * 43)
    with pytest.raises(NotFound):
        pairings.collect("another-attempt", SECRET)
    with pytest.raises(ValidationError):
        pairings.collect(attempt.id, "short")
    assert pairings.collect(attempt.id, SECRET)["token"] == "the-token"


def test_attempts_expire(pairings, clock):
    attempt = pairings.start(EXTENSION, SECRET)
    clock.now += ATTEMPT_SECONDS
    with pytest.raises(NotFound):
        pairings.confirm(attempt.code)
    with pytest.raises(NotFound):
        pairings.collect(attempt.id, SECRET)
    assert pairings.waiting() == []


def test_a_confirmed_attempt_still_expires_uncollected(pairings, clock):
    attempt = pairings.start(EXTENSION, SECRET)
    pairings.confirm(attempt.code)
    clock.now += ATTEMPT_SECONDS + 1
    with pytest.raises(NotFound):
        pairings.collect(attempt.id, SECRET)


def test_attempts_are_rate_limited(pairings, clock):
    for _ in range(MAX_WAITING):
        pairings.start(EXTENSION, SECRET)
    with pytest.raises(TooManyRequests, match="already waiting"):
        pairings.start(EXTENSION, SECRET)
    pairings.start(OTHER_EXTENSION, SECRET)  # the limits are each origin's: another is not refused for these
    started = MAX_WAITING
    while started < MAX_STARTS_PER_MINUTE:  # confirmed attempts do not wait, but still count as starts
        pairings.confirm(pairings.waiting()[0]["code"])
        pairings.start(EXTENSION, SECRET)
        started += 1
    pairings.confirm(pairings.waiting()[0]["code"])
    with pytest.raises(TooManyRequests, match="last minute"):
        pairings.start(EXTENSION, SECRET)
    clock.now += ATTEMPT_SECONDS  # all expired, and the minute is over
    pairings.start(EXTENSION, SECRET)


def forged(n: int) -> str:
    """The n-th of many extension origins a local process can put in a request's Origin header."""
    return "chrome-extension://" + "".join("abcdefghijklmnop"[(n >> (4 * i)) & 15] for i in range(32))


@pytest.mark.parametrize("origins", [1, 3, (MAX_WAITING_IN_ALL - 1) // MAX_WAITING])
def test_forged_starts_from_other_origins_do_not_lock_out_the_extension(pairings, origins):
    for n in range(1, origins + 1):
        for _ in range(MAX_WAITING):  # each forged origin at its limit
            pairings.start(forged(n), SECRET)
        with pytest.raises(TooManyRequests):
            pairings.start(forged(n), SECRET)
    real = pairings.start(EXTENSION, SECRET)
    assert [r["origin"] for r in pairings.waiting()].count(EXTENSION) == 1 and real.code in pairings.confirm(
        real.code)["code"].replace("-", "")


def test_forged_starts_with_the_extension_s_own_origin_are_bounded(pairings, clock):
    for _ in range(MAX_WAITING):
        pairings.start(EXTENSION, SECRET)
    with pytest.raises(TooManyRequests, match=rf"{MAX_WAITING} pairing attempts from {EXTENSION} are already waiting"
                                              rf".*readnext pair.*in {ATTEMPT_SECONDS:.0f} s"):
        pairings.start(EXTENSION, SECRET)
    clock.now += 60
    with pytest.raises(TooManyRequests, match=f"in {ATTEMPT_SECONDS - 60:.0f} s"):
        pairings.start(EXTENSION, SECRET)
    assert len(pairings.waiting()) == MAX_WAITING


def test_all_origins_together_are_bounded_too(pairings):
    n = 0
    while len(pairings.waiting()) < MAX_WAITING_IN_ALL:
        n += 1
        pairings.start(forged(n), SECRET)
    with pytest.raises(TooManyRequests, match="READNEXT_EXTENSION_IDS"):
        pairings.start(EXTENSION, SECRET)


def test_extension_ids_are_pinned_by_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("READNEXT_EXTENSION_IDS", f" {'b' * 32}, 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 ")
    assert Config.load(home=tmp_path).extension_ids == ("b" * 32, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
    monkeypatch.setenv("READNEXT_EXTENSION_IDS", "")
    assert Config.load(home=tmp_path).extension_ids == ()
    for wrong in ("chrome-extension://" + "b" * 32, "b" * 31, "z" * 32):
        monkeypatch.setenv("READNEXT_EXTENSION_IDS", wrong)
        with pytest.raises(ValidationError, match=r"READNEXT_EXTENSION_IDS: .* is not an extension id"):
            Config.load(home=tmp_path)


def test_pinned_by_the_environment_forged_origins_are_refused_before_pairing(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("READNEXT_EXTENSION_IDS", "a" * 32)
    client = create_app(Config.load(home=engine.config.home, port=8765), engine).test_client()
    assert [start(client, forged(n)).status_code for n in range(1, 10)] == [403] * 9
    assert start(client, EXTENSION).status_code == 200


def test_waiting_attempts_have_distinct_codes(pairings, monkeypatch):
    codes = iter([123456, 123456, 654321])
    monkeypatch.setattr("readnext.server.pairing.secrets.randbelow", lambda _: next(codes))
    assert [pairings.start(EXTENSION, SECRET).code for _ in range(2)] == ["123456", "654321"]


# The endpoints ------------------------------------------------------------------------------------------------

@pytest.fixture
def client(config, engine):
    return create_app(config, engine).test_client()


def start(client, origin=EXTENSION, secret=SECRET, **headers):
    return client.post("/api/v1/pair/start", json={"secret": secret},
                       headers={**HOST, **({"Origin": origin} if origin else {}), **headers})


def test_endpoints_happy_path(client, engine):
    started = start(client)
    assert started.status_code == 200 and started.headers["Access-Control-Allow-Origin"] == EXTENSION
    attempt, code = started.json["attempt"], started.json["code"]
    assert "token" not in started.json and started.json["origin"] == EXTENSION
    status = {"attempt": attempt, "secret": SECRET}
    waiting = client.post("/api/v1/pair/status", json=status, headers={**HOST, "Origin": EXTENSION})
    assert waiting.json["state"] == "waiting"
    auth = {**HOST, "Authorization": f"Bearer {engine.token}"}
    [waiting_request] = client.get("/api/v1/pair/requests", headers=auth).json["requests"]
    assert waiting_request["code"] == code and waiting_request["origin"] == EXTENSION
    assert ATTEMPT_SECONDS - 60 < waiting_request["expires_in"] <= ATTEMPT_SECONDS  # a real clock, a slow machine
    assert client.post("/api/v1/pair/confirm", json={"code": code}, headers=auth).status_code == 200
    paired = client.post("/api/v1/pair/status", json=status, headers={**HOST, "Origin": EXTENSION})
    assert paired.json == {"state": "paired", "token": engine.token}
    replay = client.post("/api/v1/pair/status", json=status, headers={**HOST, "Origin": EXTENSION})
    assert replay.status_code == 404 and "token" not in replay.get_data(as_text=True)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8765", "null", None])
def test_web_pages_and_originless_callers_cannot_start_or_collect(client, origin):
    refused = start(client, origin)
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    preflight = client.options("/api/v1/pair/start", headers={**HOST, "Origin": origin or "null",
                                                               "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    attempt = start(client).json["attempt"]
    collect = client.post("/api/v1/pair/status", json={"attempt": attempt, "secret": SECRET},
                          headers={**HOST, **({"Origin": origin} if origin else {})})
    assert collect.status_code == 403


def test_dns_rebinding_host_is_refused(client):
    assert start(client, Host="evil.example:8765").status_code == 403


def test_confirming_and_listing_need_the_token(client):
    code = start(client).json["code"]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Origin": EXTENSION}):
        assert client.post("/api/v1/pair/confirm", json={"code": code}, headers={**HOST, **headers}).status_code == 401
        assert client.get("/api/v1/pair/requests", headers={**HOST, **headers}).status_code == 401


def test_pinned_extension_ids_limit_who_may_pair(config, engine):
    client = create_app(config.with_(extension_ids=("b" * 32,)), engine).test_client()
    assert start(client, EXTENSION).status_code == 403
    assert start(client, "chrome-extension://" + "b" * 32).status_code == 200


def test_too_many_attempts_get_429(client):
    answers = [start(client).status_code for _ in range(MAX_WAITING + 1)]
    assert answers == [200] * MAX_WAITING + [429]
    assert start(client).json["error"]["code"] == "too_many_requests"


def test_start_needs_a_json_secret(client):
    assert start(client, secret="short").status_code == 400
    plain = client.post("/api/v1/pair/start", data="secret=" + SECRET, headers={**HOST, "Origin": EXTENSION,
                                                                               "Content-Type": "text/plain"})
    assert plain.status_code in (400, 415)


# `readnext pair` against a real server --------------------------------------------------------------------------

def readnext_pair(server, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "readnext.cli", "pair", "--home", str(server.home), *args],
                          input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from servers import Server
    server = Server(tmp_path_factory.mktemp("pairing") / "home").start()
    yield server
    server.stop()


def start_on(server):
    status, answer = server.call("POST", "pair/start", {"secret": SECRET}, token=False, headers={"Origin": EXTENSION})
    assert status == 200, answer
    return answer


def collect_on(server, attempt):
    return server.call("POST", "pair/status", {"attempt": attempt, "secret": SECRET}, token=False,
                       headers={"Origin": EXTENSION})


@pytest.mark.slow
def test_cli_asks_and_confirms_the_one_waiting_request(server):
    attempt = start_on(server)
    refused = readnext_pair(server, stdin="n\n")
    assert refused.returncode == 1 and f"code {attempt['code']}" in refused.stdout and EXTENSION in refused.stdout
    assert collect_on(server, attempt["attempt"])[1]["state"] == "waiting"
    result = readnext_pair(server, stdin="y\n")
    assert result.returncode == 0, result.stderr
    assert collect_on(server, attempt["attempt"]) == (200, {"state": "paired", "token": server.token})


@pytest.mark.slow
def test_cli_confirms_a_given_code_and_refuses_a_wrong_one(server):
    attempt = start_on(server)
    wrong = readnext_pair(server, "--confirm", "000-000" if attempt["code"] != "000-000" else "111-111")
    assert wrong.returncode == 1 and "no pairing attempt with code" in wrong.stderr
    assert readnext_pair(server, "--confirm", attempt["code"].replace("-", "")).returncode == 0
    assert collect_on(server, attempt["attempt"])[1]["token"] == server.token


@pytest.mark.slow
def test_cli_without_a_waiting_request_or_an_answer(server):
    nothing = readnext_pair(server)
    assert nothing.returncode == 1 and "click Pair" in nothing.stderr
    start_on(server)
    start_on(server)
    no_answer = readnext_pair(server)  # two waiting: the user must type the code, and stdin is closed
    assert no_answer.returncode == 1 and "--confirm CODE" in no_answer.stderr


def test_cli_without_a_server_points_to_serve_and_the_token_path(tmp_path):
    # `readnext pair --token`, the manual path, is tests/test_cli.py's test_pair_prints_the_token
    refused = subprocess.run([sys.executable, "-m", "readnext.cli", "pair", "--home", str(tmp_path / "h")],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "readnext serve" in refused.stderr
