"""cli/parser.py and cli/options.py: the options every command shares, declared once; each command bound to its
module with the factories main was given; the benchmarks mounted with their own arguments. And main's one line."""
import argparse

import pytest

from readnext import cli
from readnext.cli import corpus, data, reading, serving
from readnext.cli.local import Factories
from readnext.cli.options import config_of

COMMANDS = {"serve": serving.serve, "import": corpus.import_, "backfill": corpus.backfill, "fetch": corpus.fetch,
            "train": reading.train, "recommend": reading.recommend, "status": data.status, "export": data.export,
            "check": data.check, "pair": serving.pair}
REQUIRED = {"import": ["file.jsonl"], "backfill": ["--categories", "cs.LG", "--since", "2025-06"]}


def parse(*argv, factories=Factories()):
    return cli.build_parser(factories).parse_args(list(argv))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_the_shared_options_and_gives_them_to_its_config(name, tmp_path):
    args = parse(name, *REQUIRED.get(name, []), "--home", str(tmp_path), "--device", "cpu", "--precision", "fp32")
    config = config_of(args)
    assert (config.home, config.device, config.precision) == (tmp_path.resolve(), "cpu", "fp32")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_but_pair_takes_a_model(name, capsys):
    argv = [name, *REQUIRED.get(name, []), "--model", "some/model"]
    if name == "pair":
        with pytest.raises(SystemExit):
            parse(*argv)
        assert "unrecognized arguments: --model" in capsys.readouterr().err
    else:
        assert config_of(parse(*argv)).model == "some/model"


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_runs_its_function_with_the_factories_given(name):
    factories = Factories(engine=lambda config: None)
    func = parse(name, *REQUIRED.get(name, []), factories=factories).func
    assert func.func is COMMANDS[name] and func.keywords == {"factories": factories}


def test_ports_and_hosts_where_a_command_has_them():
    assert config_of(parse("serve", "--port", "9000")).port == 9000
    assert config_of(parse("pair", "--port", "9001")).port == 9001
    assert config_of(parse("status")).host == "127.0.0.1"


def test_the_benchmarks_bring_their_own_arguments():
    from readnext.bench import command, embedding, speed
    quality = parse("bench", "quality", "--corpus", "c.jsonl", "--users", "u.jsonl", "--variant", "a")
    assert quality.func is command.quality and quality.variant == ["a"] and quality.browse == "both"
    fast = parse("bench", "speed", "--papers", "3000", "--load-seconds", "0")
    assert fast.func is speed.speed and fast.papers == 3000 and fast.load_seconds == 0 and not fast.measure_only
    embed = parse("bench", "embed", "--batch-size", "32", "--batch-size", "256")
    assert embed.func is embedding.main and embed.batch_size == [32, 256]
    mounted = argparse.ArgumentParser()
    command.add_arguments(mounted)  # the same arguments wherever they are mounted
    assert mounted.parse_args(["speed"]).papers == 100_000


def test_main_says_an_error_in_one_line_and_returns_1(tmp_path, capsys):
    assert cli.main(["serve", "--host", "0.0.0.0", "--home", str(tmp_path / "home")]) == 1
    assert capsys.readouterr().err == ("readnext: ReadNext listens on 127.0.0.1 only: your reading history is not "
                                       "for the network\n")
    assert not (tmp_path / "home").exists()  # refused before touching anything
