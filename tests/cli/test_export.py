"""The history's read and saved papers as BibTeX: engine.library, `GET /export.bib`, `readnext export`."""
import pytest

from conftest import make_paper
from readnext import cli
from readnext.config import Config
from readnext.server.app import create_app
from readnext.vectors.embed import HashingEmbedder
from readnext.engine import ReadNext
from readnext.ingest.sources.bibtex import papers_from_bibtex

PAPERS = [
    make_paper("1706.03762", "Attention Is All You Need", "The dominant sequence transduction models ...",
               authors=["Ashish Vaswani", "Noam Shazeer"], date="2017-06-12", categories=["cs.CL", "cs.LG"]),
    make_paper("doi:10.1038/nature14539", "Deep learning", authors=["Yann LeCun", "Yoshua Bengio"], year=2015,
               venue="Nature"),
    make_paper("2106.09685", "LoRA: Low-Rank Adaptation of Large Language Models", authors=["Edward J. Hu"],
               doi="10.48550/arXiv.2106.09685", date="2021-06-17"),
    make_paper("1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers", authors=["Jacob Devlin"]),
    make_paper("1412.6980", "Adam: A Method for Stochastic Optimization", authors=["Diederik P. Kingma"]),
    make_paper("bib:me2024thesis", "My thesis on optimisation", authors=["A. Reader"], year=2024),
]


def record_library(engine):
    """Read the first, save the second and third, read then dismiss the fourth, only see the fifth listed; the
    sixth is the user's own."""
    engine.record([
        {"id": "e1", "type": "view", "seconds": 90, "paper": PAPERS[0]},
        {"id": "e2", "type": "save", "paper": PAPERS[1]},
        {"id": "e3", "type": "view", "seconds": 5, "paper": PAPERS[2]},
        {"id": "e4", "type": "save", "paper_id": "2106.09685"},
        {"id": "e5", "type": "view", "seconds": 40, "paper": PAPERS[3]},
        {"id": "e6", "type": "dismiss", "paper_id": "1810.04805"},
        {"id": "e7", "type": "impression", "paper": PAPERS[4]},
        {"id": "e8", "type": "authored", "paper": PAPERS[5]},
    ])


def test_the_library_is_what_was_read_or_saved(engine):
    record_library(engine)
    assert [p.id for p in engine.library()] == ["1706.03762", "doi:10.1038/nature14539", "2106.09685",
                                                "bib:me2024thesis"]
    assert [p.id for p in engine.library(states=("saved",))] == ["doi:10.1038/nature14539", "2106.09685"]
    assert [p.id for p in engine.library(states=("dismissed",))] == ["1810.04805"]


@pytest.fixture
def client(config, engine):
    return create_app(config, engine).test_client()


def test_export_bib_round_trips_through_the_bibtex_reader(client, engine):
    record_library(engine)
    assert client.get("/api/v1/export.bib", headers={"Host": "127.0.0.1:8765"}).status_code == 401
    response = client.get("/api/v1/export.bib", headers={"Authorization": f"Bearer {engine.token}",
                                                         "Host": "127.0.0.1:8765"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="readnext.bib"' in response.headers["Content-Disposition"]
    result = papers_from_bibtex(response.get_data(as_text=True))
    assert result.problems == []
    back = {p.id: p for p in result.papers}
    assert set(back) == {"1706.03762", "doi:10.1038/nature14539", "2106.09685", "bib:me2024thesis"}
    assert back["1706.03762"].title == "Attention Is All You Need"
    assert back["1706.03762"].authors == ["Ashish Vaswani", "Noam Shazeer"]
    assert back["1706.03762"].categories == ["cs.CL"] and back["1706.03762"].year == 2017
    assert back["doi:10.1038/nature14539"].venue == "Nature" and back["doi:10.1038/nature14539"].year == 2015
    assert "doi:10.48550/arxiv.2106.09685" in back["2106.09685"].aliases
    assert "@misc{me2024thesis," in response.get_data(as_text=True)  # an imported paper keeps its citation key


def test_the_command_exports_bibtex_or_json(tmp_path, capsys):
    factories = cli.Factories(engine=lambda config: ReadNext(config, embedder=HashingEmbedder(64)))
    home = tmp_path / "home"
    engine = factories.engine(Config.load(home=home))
    record_library(engine)
    engine.close()
    out = tmp_path / "mine.bib"
    assert cli.main(["export", "--format", "bibtex", "--out", str(out), "--home", str(home)], factories) == 0
    assert f"exported to {out}" in capsys.readouterr().out
    assert [p.id for p in papers_from_bibtex(out.read_text("utf-8")).papers] == [
        "1706.03762", "doi:10.1038/nature14539", "2106.09685", "bib:me2024thesis"]
    assert cli.main(["export", "--home", str(home)], factories) == 0
    assert '"events": [' in capsys.readouterr().out
