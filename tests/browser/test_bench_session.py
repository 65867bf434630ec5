"""The session benchmark's machinery (readnext bench session, backend/readnext/bench/session/) on a short session:
one researcher's listing, three abstracts opened from it and a sidebar card clicked, in Chromium with the real
extension and a real `readnext serve`. It asserts that every step is recorded as the reader sees it and that the
checks find what they must (planted false reasons, a planted collapse and band breach), not that today's product
meets the benchmark's goals: `python -m readnext.bench.session` reports those."""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from conftest import REPO, shared_path
from readnext.bench.session.checks import band_breaches, check_steps, percent, summary
from readnext.bench.session.facts import HomeReader, identified_interest
from readnext.bench.session.pages import Templates
from readnext.bench.session.runner import RunSettings, run_session
from readnext.bench.session.sample import load_sample
from readnext.bench.session.script import RESEARCHERS, plan
from readnext.bench.session.twins import prepare_base
from readnext.config import Config
from readnext.vectors.embed import load_embedder

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """(the session, its record, the session's home to read facts from): a short session, run once."""
    sample = load_sample(shared_path("data", "arxiv-sample.jsonl"))
    templates = Templates.load(shared_path("fixtures").parent, REPO / "tests" / "fixtures")
    session = plan(RESEARCHERS[0], sample, templates, date.today(), short=True)
    work = tmp_path_factory.mktemp("bench-session")
    shown = set(session.pages.shown_papers())
    (work / "corpus").mkdir()
    embedder = load_embedder(Config.load(home=work / "corpus"))  # measures its precision there, for every home
    prepare_base(work / "corpus", [p.paper for p in sample if p.id in shown], None, lambda line: None, embedder)
    settings = RunSettings(base=work / "corpus", work=work, dwell=2.0, min_seconds=1)
    record = run_session(session, "chromium", settings, lambda line: None, embedder)
    home = HomeReader(Path(record["home"]), record["model"], embedder.embed)
    yield session, record, home
    home.close()


def cards_of(step: dict) -> list[dict]:
    return [card for section in step["seen"]["sidebar"]["sections"] for card in section["cards"]]


def new_findings(before: list[dict], after: list[dict]) -> list[tuple]:
    key = lambda v: (v["definition"], v["paper_id"], v["reason"])  # noqa: E731
    old = {key(v) for step in before for v in step["violations"]}
    return sorted(key(v) for step in after for v in step["violations"] if key(v) not in old)


def test_every_step_is_recorded_as_the_reader_sees_it(recorded):
    session, record, _ = recorded
    steps = record["steps"]
    assert [s["action"] for s in steps] == [s.action for s in session.steps]
    abstracts = [s for s in steps if s["page"]["kind"] == "abstract"]
    assert len(abstracts) == 4 and all(s["seen"]["sidebar"]["state"] == "cards" for s in abstracts)
    for step in abstracts:
        assert step["url"] == f"https://arxiv.org/abs/{step['page']['paper_id']}"
        assert step["known"]["shown_event"] and step["known"]["formula"]
        for card in cards_of(step):
            assert card["paper_id"] and card["title"] and percent(card["score"]) is not None
            assert all(r["kind"] and r["text"] and isinstance(r["fields"], dict) for r in card["reasons"])
    clicked = steps[-1]
    assert clicked["action"] == "click" and clicked["page"]["paper_id"] in [c["paper_id"] for c in cards_of(steps[-2])]
    assert steps[-1]["known"]["reads"] > steps[1]["known"]["reads"]  # the views reached the backend
    assert any(r["fields"].get("similarity") for s in abstracts for c in cards_of(s) for r in c["reasons"])


def test_the_checks_read_every_reason_and_recompute_its_figures(recorded):
    _, record, home = recorded
    found = summary(record, home)
    assert found["steps"] == len(record["steps"]) and found["cards"] >= 40 and found["reasons_checked"] >= 40
    assert found["field_end"] is not None and found["formula_end"] is not None
    # every phrasing the product shows is read, and every similarity it shows is the cosine recomputed here
    assert "readable" not in found["failing"] and "similarity-figure" not in found["failing"]


def test_planted_false_reasons_are_flagged(recorded):
    _, record, home = recorded
    planted = copy.deepcopy(record)
    step = planted["steps"][-1]
    first, second = cards_of(step)[:2]
    first["reasons"] = [
        {"kind": "history", "text": "Because you read “A paper nobody read” (similarity 0.50)"},
        {"kind": "terms", "text": "Shared terms: zzyzxq"},
        {"kind": "interest", "text": "Your interest: none of yours"},
        {"kind": "other", "text": "Trust us"}]
    second["reasons"] = []
    found = new_findings(check_steps(record, home), check_steps(planted, home))
    assert found == sorted([
        ("history-close", first["paper_id"], "Because you read “A paper nobody read” (similarity 0.50)"),
        ("terms-shared", first["paper_id"], "Shared terms: zzyzxq"),
        ("interest-nearest", first["paper_id"], "Your interest: none of yours"),
        ("readable", first["paper_id"], "Trust us"),
        ("has-reason", second["paper_id"], "")])


def test_a_planted_collapse_and_band_breach_are_flagged(recorded):
    _, record, home = recorded
    planted = copy.deepcopy(record)
    step = planted["steps"][-1]
    card = cards_of(step)[0]
    step["known"]["alone"][card["paper_id"]] = 0.9  # scores 90 % from the page alone ...
    card["score"] = "3%"  # ... and shows 3 %
    collapsed = lambda steps: [(s["step"], c["paper_id"]) for s in steps for c in s["collapses"]]  # noqa: E731
    before = collapsed(check_steps(record, home))
    assert [c for c in collapsed(check_steps(planted, home)) if c not in before] == [(step["step"], card["paper_id"])]
    again = copy.deepcopy(record["steps"][-1])  # the same page once more, nothing done in between
    again["step"] += 1
    again["known"]["shown_event"] = "another render"
    cards_of(again)[0]["score"] = f"{percent(cards_of(again)[0]['score']) + 30}%"
    compared, breaches = band_breaches({**record, "steps": [*record["steps"], again]}, home)
    assert compared == len(cards_of(again))  # every card of the page, seen twice with no click between
    assert [(b["paper_id"], b["steps"]) for b in breaches] == [(cards_of(again)[0]["paper_id"],
                                                                  [again["step"] - 1, again["step"]])]


def test_an_interest_is_told_by_its_label_even_when_the_label_flickers():
    """One profile built twice may label its interest with another last term (term weights decay with the clock);
    the benchmark takes the label for the interest that shares most of its terms, and only then."""
    interests = [{"label": "anisotropy · take · contrast"}, {"label": "The HARPS search for southern planets"}]
    assert identified_interest("anisotropy · take · approximation", interests) == "anisotropy · take · contrast"
    assert identified_interest("galaxy · stars · dust", interests) == "galaxy · stars · dust"  # none: stays false
    assert identified_interest("The HARPS search for southern planets", interests) == interests[1]["label"]
