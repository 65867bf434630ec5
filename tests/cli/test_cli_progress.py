"""cli/progress.py: the one progress line on standard error, and the loops that feed it."""
import pytest

from readnext.cli.progress import ProgressLine, follow_job, watch_embedding
from readnext.errors import ReadNextError


def test_the_line_is_rewritten_in_place_and_left_with_a_newline(capsys):
    line = ProgressLine()
    for text in ("embedding 1 of 3", "", "embedding 1 of 3", "embedding 3 of 3"):
        line.show(text)
    line.end()
    out, err = capsys.readouterr()
    assert out == "" and err == "\rembedding 1 of 3  \rembedding 3 of 3  \n"  # nothing for "" or the same again


def test_end_writes_only_below_a_line_shown(capsys):
    ProgressLine().end("all papers embedded")
    ProgressLine(visible=False).show("quiet")
    assert capsys.readouterr().err == ""
    line = ProgressLine()
    line.show("embedding 3 of 3")
    line.end("all papers embedded")
    assert capsys.readouterr().err == "\rembedding 3 of 3  \nall papers embedded\n"


class Jobs:
    """A running server's job as it polls: the states it passes through, one a call."""

    def __init__(self, *states):
        self.states = list(states)

    def job(self, job_id):
        return self.states.pop(0)


def job(state, line="", **extra):
    return {"id": "j1", "kind": "import", "state": state, "line": line, **extra}


def test_following_a_job_shows_its_lines_and_returns_its_result(capsys):
    server = Jobs(job("running", "10 of 20"), job("done", "20 of 20", result={"stored": 20}))
    assert follow_job(server, job("running"), every_s=0) == {"stored": 20}
    assert capsys.readouterr().err == "\r10 of 20  \r20 of 20  \n"


def test_a_failed_job_is_one_error(capsys):
    server = Jobs(job("failed", error="disk full"))
    with pytest.raises(ReadNextError, match="the server's import failed: disk full"):
        follow_job(server, job("running"), show_progress=False, every_s=0)
    assert capsys.readouterr().err == ""


def test_watching_the_embedding_here_steps_until_nothing_waits(capsys):
    states = iter([{"error": None, "line": "embedding 0 of 2 papers", "pending": 2},
                   {"error": None, "line": "embedding 2 of 2 papers", "pending": 0}])
    steps = iter([True, False])
    watch_embedding(lambda: next(states), step=lambda: next(steps))
    assert capsys.readouterr().err == ("\rembedding 0 of 2 papers  \rembedding 2 of 2 papers  "
                                       "\nall papers embedded\n")


def test_an_embedding_error_stops_the_watch():
    with pytest.raises(ReadNextError, match="the embedding stopped: model gone"):
        watch_embedding(lambda: {"error": "model gone", "line": "", "pending": 1})
