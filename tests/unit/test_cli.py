"""The scripts' command line without a chain: every command and subcommand describes itself in
``--help``; ``refund``, ``report`` and ``take`` share ``--all`` (``--scan`` still works for the
last two, unlisted); click's usage errors are one ``error:`` line with exit status 2."""

import importlib.util
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def script(name: str) -> click.Command:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def every_command() -> list[tuple[str, click.Command]]:
    out = []
    for path in sorted((ROOT / "scripts").glob("*.py")):
        cli = script(path.stem)
        out.append((path.stem, cli))
        if isinstance(cli, click.Group):
            out += [(f"{path.stem} {name}", sub) for name, sub in cli.commands.items()]
    return out


COMMANDS = every_command()


@pytest.mark.parametrize("name,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_a_description(name, command):
    """What ``ape run NAME --help`` shows above the options: at least a sentence."""
    assert command.help and len(command.help.split()) >= 5, name


@pytest.mark.parametrize("name", ["deploy", "contribute", "predict"])
def test_help_shows_a_paragraph(name):
    result = CliRunner().invoke(script(name), ["--help"], prog_name=f"ape run {name}")
    assert result.exit_code == 0, result.output
    usage, description = result.output.split("\n\n")[:2]
    assert usage.startswith(f"Usage: ape run {name} [OPTIONS]")
    assert len(description.split()) >= 30 and not description.lstrip().startswith("Options")


@pytest.mark.parametrize("name", ["refund", "report", "take"])
def test_claims_take_all_and_hide_scan(name):
    result = CliRunner().invoke(script(name), ["--help"])
    assert "--all " in result.output and "--scan" not in result.output
    scan = next(p for p in script(name).params if p.name == "scan")
    assert scan.hidden and scan.opts == ["--scan"]


@pytest.mark.parametrize(
    "name,args,message",
    [
        ("status", ["--no-such"], "No such option: --no-such"),
        ("contribute", [], "Missing option '--dataset'."),
        ("predict", ["--limit", "-1"], "Invalid value for '--limit': -1 is not in the range x>=0."),
        ("sweep", ["--dataset"], "Option '--dataset' requires an argument."),
        ("market", ["nope"], "No such command 'nope'."),
        ("market", ["end", "--quiet"], "No such option: --quiet"),
    ],
)
def test_usage_errors_are_one_line(name, args, message):
    result = CliRunner(mix_stderr=False).invoke(script(name), args)
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""


def test_id_ranges_show_the_gaps_another_sender_left():
    from sharedmodels.cli import id_ranges

    assert id_ranges([3, 4, 5]) == "3-5"
    assert id_ranges([7]) == "7-7"
    assert id_ranges([1, 6, 7]) == "1, 6-7"
    assert id_ranges([2, 4, 5, 9]) == "2, 4-5, 9"
