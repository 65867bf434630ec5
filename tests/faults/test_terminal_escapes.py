"""Hostile text in the terminal: titles, authors, .bib keys, origins and file names that carry escape sequences
(an OSC 52 writes the clipboard, CSI moves the cursor and clears the screen, U+009B is CSI in one character, bidi
overrides reorder the line) are shown escaped by every command that prints them, never sent to the terminal."""
import io
import json
import re
import subprocess
import sys

import pytest

from readnext.cli import output, serving
from readnext.ingest.follow import FetchReport
from readnext.records.papers import Paper

from .common import fake_cli

OSC52 = "\x1b]52;c;SGVsbG8=\x07"  # "put Hello on the clipboard"
CSI_CLEAR = "\x1b[2J"
C1_CSI = "\u009b2J"
BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
HOSTILE = [OSC52, CSI_CLEAR, C1_CSI, BIDI, "\u2067", "\r", "\x08", "\x7f", "\u2028"]
# what a terminal acts on instead of showing: C0 but the line ends, DEL, C1, bidi controls, line separators
ACTED_ON = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def acted_on(text: str) -> list[str]:
    return ACTED_ON.findall(text)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_terminal_safe_shows_each_control_escaped(hostile):
    shown = output.terminal_safe(f"Graph {hostile} networks")
    assert not acted_on(shown) and shown.startswith("Graph ") and shown.endswith(" networks")
    assert "\\x" in shown or "\\u" in shown  # visibly there, not silently dropped


def test_terminal_safe_keeps_ordinary_text_and_shows_a_lone_surrogate():
    assert output.terminal_safe("Über Graphen: ∑ α → β, 日本語, emoji 👩‍🔬") == "Über Graphen: ∑ α → β, 日本語, emoji 👩‍🔬"
    assert output.terminal_safe("broken \ud800") == "broken \\ud800"  # printing it raw would raise instead
    assert output.terminal_safe(None) == "None" and output.terminal_safe(2021) == "2021"


def test_json_for_a_terminal_is_the_same_json_with_controls_escaped():
    value = {"title": f"a{OSC52}b{C1_CSI}{BIDI}c\ud800", "n": 1}
    text = output.json_text(value)
    assert not acted_on(text) and json.loads(text) == value
    with pytest.raises(UnicodeEncodeError):  # what printing the raw JSON did
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    text.encode("utf-8")


def hostile_home(tmp_path):
    """A corpus whose papers' titles and authors carry escape sequences, and a history of one of them."""
    home = tmp_path / "home"
    rows = [{"id": f"2301.{n:05d}", "title": f"Graph networks {hostile} part {n}",
             "abstract": "graph neural networks message passing node embedding",
             "authors": f"Eve {hostile} Evil and B. Author", "categories": "cs.LG",
             "versions": [{"version": "v1", "created": "Mon, 2 Jan 2023 10:00:00 GMT"}]}
            for n, hostile in enumerate(HOSTILE)]
    snapshot = tmp_path / "hostile.jsonl"
    snapshot.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert fake_cli("import", str(snapshot), "--quiet", home=home).returncode == 0
    library = tmp_path / "hostile.bib"
    library.write_text("@article{read1,\n title={Graph networks " + OSC52 + " read},\n author={Eve " + BIDI +
                       " Evil},\n year={2020}\n}\n@article{bad" + CSI_CLEAR + "key,\n author={Nobody}\n}\n"
                       "@article{bad2" + C1_CSI + ",\n author={Nobody}\n}\n")
    imported = fake_cli("import", str(library), home=home)
    return home, imported


def test_recommend_import_and_status_show_hostile_text_escaped(tmp_path):
    home, imported = hostile_home(tmp_path)
    assert imported.returncode == 0 and "2 skipped" in imported.stdout, imported.stderr
    assert not acted_on(imported.stdout + imported.stderr), imported.stdout
    listed = fake_cli("recommend", "--context", "graph networks message passing", "-k", "9", home=home)
    assert listed.returncode == 0 and "Graph networks" in listed.stdout, listed.stderr
    assert not acted_on(listed.stdout + listed.stderr), listed.stdout
    assert "\\x1b]52;c;SGVsbG8=\\x07" in listed.stdout  # shown for what it is
    as_json = fake_cli("recommend", "--json", "--context", "graph networks message passing", "-k", "9", home=home)
    assert as_json.returncode == 0 and not acted_on(as_json.stdout)
    assert any(OSC52 in item["paper"]["title"] for item in json.loads(as_json.stdout)["items"])  # the same data
    exported = fake_cli("export", home=home)
    assert exported.returncode == 0 and not acted_on(exported.stdout)
    bibtex = fake_cli("export", "--format", "bibtex", home=home)
    assert bibtex.returncode == 0 and not acted_on(bibtex.stdout.replace("\n", ""))


def test_an_error_that_quotes_its_input_is_escaped(tmp_path):
    done = fake_cli("import", str(tmp_path / f"no{CSI_CLEAR}such{BIDI}.bib"), home=tmp_path / "home")
    assert done.returncode == 1 and done.stderr.startswith("readnext: ") and done.stderr.count("\n") == 1
    assert not acted_on(done.stderr), done.stderr


def test_the_status_lines_of_running_jobs_are_escaped(capsys):
    output.print_status({"model": f"m{OSC52}"}, {
        "jobs": [{"kind": "import", "state": "running", "line": "", "what": f"/tmp/refs{CSI_CLEAR}.bib"}],
        "embedding": {"line": f"embedding{C1_CSI}"}})
    assert not acted_on(capsys.readouterr().out)


def test_the_fetched_papers_are_listed_escaped(capsys):
    paper = Paper(id="2301.00001", title=f"Hostile {OSC52} title", date="2023-01-02")
    output.print_fetch(FetchReport(categories=["cs.LG"], feed="api", fetched=1, new=1, requests=1, papers=[paper]))
    shown = capsys.readouterr().out
    assert "Hostile" in shown and not acted_on(shown)


def test_a_pairing_request_from_a_hostile_origin_is_listed_escaped(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    origin = f"chrome-extension://{CSI_CLEAR}{BIDI}"
    assert serving._choose_request([{"origin": origin, "code": f"12{OSC52}", "expires_in": 30}]) is None
    assert not acted_on(capsys.readouterr().out)


def test_the_problem_list_of_an_import_is_escaped(capsys):
    report = type("Report", (), {"papers": 1, "linked": 0, "new": 1, "recorded": 1, "already_recorded": 0,
                                 "problems": [f"line 6, entry bad{CSI_CLEAR}: no title {OSC52}"]})()
    output.print_library_import(report, f"refs{C1_CSI}.bib", None)
    shown = capsys.readouterr().out
    assert "1 skipped" in shown and not acted_on(shown)


def test_a_check_line_quoting_a_foreign_line_is_escaped(tmp_path):
    home = tmp_path / "home"
    assert fake_cli("status", home=home).returncode == 0
    with open(home / "events.jsonl", "a") as log:
        log.write(json.dumps({"id": f"x{OSC52}", "type": "view"}, ensure_ascii=False) + "\n" + OSC52 + "\n")
    checked = subprocess.run([sys.executable, "-m", "readnext.cli", "check", "--home", str(home)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 1 and not acted_on(checked.stdout + checked.stderr), checked.stdout
