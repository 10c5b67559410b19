"""A newcomer's first hour: the practice platform to try every command on, names forgiven,
errors that say what to type, and output that reads at 80 columns."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
from pathlib import Path

import pytest

from optout.cli import cli
from optout.cli import practice as practice_commands
from optout.practice.server import ports_needed
from tests.conftest import invoke, results_of


def _free_ports(count: int) -> int:
    """A first port with `count` free ports after it."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65000:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no run of free ports")


def test_practice_serves_twins_that_every_command_can_be_tried_on(
        monkeypatch: pytest.MonkeyPatch, optout_home: Path):
    port = _free_ports(ports_needed())
    seen: dict[str, object] = {}

    def meanwhile() -> None:  # what the person types in another terminal while it serves
        invoke("profile", "--name", "Ada Lovelace", "--email", "ada@example.com",
               "--country", "United Kingdom")  # what objection forms are filled from
        run = invoke("run", "linkedin", "x", "grok", "--account", "practice", "--json",
                     "--send-forms")
        seen["run"] = run
        # Claude "emails" a code: with no terminal to type it in, the run waits for a person,
        # and the practice platform shows the code as a person's inbox would.
        seen["claude"] = invoke("run", "claude", "--account", "practice")
        seen["status"] = invoke("status", "--json")
        seen["status_table"] = invoke("status")

    monkeypatch.setattr(practice_commands, "_until_interrupted", meanwhile)
    served = invoke("practice", "--setup", "--port", str(port))
    assert served.exit_code == 0, served.output
    assert f"http://127.0.0.1:{port}" in served.stdout  # LinkedIn's twin, the first port
    assert "practice-linkedin" in served.stdout and "account `practice`" in served.stdout

    run = seen["run"]
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    results = results_of(run)  # type: ignore[arg-type]
    assert {r["platform"] for r in results} == {"linkedin", "x", "grok"}
    assert all(r["verified"] and r["status"] == "changed" for r in results)

    claude = seen["claude"]
    assert claude.exit_code == 3  # type: ignore[attr-defined]
    assert re.search(r"Code sent to practice@claude\.practice\.invalid: \d{6}",
                     served.stdout + claude.stdout)  # type: ignore[attr-defined]

    rows = json.loads(seen["status"].stdout)["settings"]  # type: ignore[attr-defined]
    assert {row["origin"].rsplit(":", 1)[0] for row in rows} == {"http://127.0.0.1"}
    assert all(row["practice"] and row["account"] == "practice" for row in rows)
    table = seen["status_table"].stdout  # type: ignore[attr-defined]
    assert f"linkedin/practice at 127.0.0.1:{port} (practice)" in table

    # The twins kept their settings: started again, the check finds them still off, no reset.
    def check_again() -> None:
        seen["check"] = invoke("check", "linkedin", "--account", "practice", "--json")

    monkeypatch.setattr(practice_commands, "_until_interrupted", check_again)
    assert invoke("practice", "--port", str(port)).exit_code == 0
    check = seen["check"]
    assert check.exit_code == 0, check.output  # type: ignore[attr-defined]
    assert all(r["status"] == "ok" for r in results_of(check))  # type: ignore[arg-type]
    assert json.loads(invoke("history", "--json").stdout)["resets"] == []

    # Done practising: the accounts go, so `check --all` and schedules leave the twins alone.
    removed = invoke("practice", "--remove")
    assert removed.exit_code == 0 and "Forgot the practice accounts of" in removed.stdout
    assert invoke("check", "--all").exit_code == 2  # nothing stored any more
    assert json.loads(invoke("status", "--json").stdout) == {"settings": []}


def test_setup_never_stores_over_a_real_account_named_practice():
    from optout.domain.accounts import Account
    from optout.store import credentials
    credentials.store(Account("linkedin", "practice", "ada@example.com",
                              ("https://www.linkedin.com",)), "a real password")
    result = invoke("practice", "--setup", "--port", str(_free_ports(ports_needed())))
    assert result.exit_code == 2 and "signs in to the real site" in result.stderr
    assert credentials.accounts("linkedin")[0].origins == ("https://www.linkedin.com",)


def test_setup_never_stores_over_a_practice_account_bound_to_another_local_server():
    from optout.domain.accounts import Account
    from optout.store import credentials
    credentials.store(Account("linkedin", "practice", "ada@example.com",
                              ("http://127.0.0.1:9",)), "another server's password")
    result = invoke("practice", "--setup", "--port", str(_free_ports(ports_needed())))
    assert result.exit_code == 2 and "bound to http://127.0.0.1:9" in result.stderr
    assert credentials.accounts("linkedin")[0].origins == ("http://127.0.0.1:9",)


def test_practice_on_a_taken_port_says_which_flag_moves_it():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = invoke("practice", "--port", str(taken.getsockname()[1]))
    assert result.exit_code == 2 and "--port" in result.stderr


def test_the_demo_goes_into_the_history_as_practice(optout_home: Path):
    from optout.practice.kept import settings_file
    kept = {"practice@x.practice.invalid": {"grok-training": False}}  # `optout practice`'s user
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text(json.dumps(kept))
    demo = invoke("demo", "linkedin", "x")
    assert demo.exit_code == 0, demo.output
    last = demo.stdout.strip().splitlines()[-2:]  # where the evidence is, then the summary
    assert last[0].startswith("Evidence (screenshots and page snapshots) is under ")
    assert re.fullmatch(r"2 platforms, (\d+) settings: \1 verified in \d+ s", last[1]), last
    rows = json.loads(invoke("status", "--json").stdout)["settings"]
    assert rows and all(row["practice"] and row["account"] == "demo" for row in rows)
    assert all(row["after"] == row["desired"] and row["last_verified"] for row in rows)
    # The demo's users were saved beside the practice ones, not over them.
    saved = json.loads(settings_file().read_text())
    assert saved["practice@x.practice.invalid"] == {"grok-training": False}
    assert "demo@x.practice.invalid" in saved
    # The demo's account is only in the history: it can be forgotten all the same.
    assert invoke("forget", "x", "--account", "demo").exit_code == 0
    rows = json.loads(invoke("status", "--json").stdout)["settings"]
    assert rows and {row["platform"] for row in rows} == {"linkedin"}
    # Done practising: `practice --remove` clears the demo's readings too, not 25 `forget`s.
    assert invoke("practice", "--remove").exit_code == 0
    assert json.loads(invoke("status", "--json").stdout) == {"settings": []}


def test_practice_reset_puts_the_twins_back_to_their_defaults(optout_home: Path):
    """The twins kept their settings between starts, and nothing could put them back."""
    from optout.practice.kept import settings_file
    settings_file().parent.mkdir(parents=True)
    settings_file().write_text(json.dumps({"practice@x.practice.invalid": {"grok-training": False}}))
    reset = invoke("practice", "--reset")
    assert reset.exit_code == 0 and "back to their defaults" in reset.stdout
    assert not settings_file().exists()
    assert "at their defaults already" in invoke("practice", "--reset").stdout


def test_two_accounts_alike_but_for_case_are_never_guessed():
    from optout.domain.errors import BadInput
    from optout.recipe.names import account_of
    assert account_of("work", ["Work", "work"], "LinkedIn") == "work"
    assert account_of("WORK", ["work", "home"], "LinkedIn") == "work"
    with pytest.raises(BadInput, match="exactly that case"):
        account_of("WORK", ["Work", "work"], "LinkedIn")


def test_a_mixed_roster_goes_to_each_platforms_own_origin(tmp_path: Path, practice):
    lines = ["platform,account,username,password_command"]
    for platform in ("x", "figma"):
        practice.world.add_user(f"ada@{platform}.example", f"pw-{platform}-secret")
        lines.append(f"{platform},ada,ada@{platform}.example,printf %s pw-{platform}-secret")
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n")
    result = invoke("bulk", str(path), "--json", "--origin", f"x={practice.origins['x']}",
                    "--origin", f"FIGMA={practice.origins['figma']}")
    assert result.exit_code == 0, result.output
    rows = results_of(result)
    assert {r["platform"] for r in rows} == {"x", "figma"} and all(r["verified"] for r in rows)
    summary = json.loads(result.stdout)["summary"]
    assert summary["platforms"] == 2 and summary["verified"] == summary["settings"] == len(rows)


@pytest.mark.parametrize(("typed", "expected"), [
    (["run", "linkdin"], "Did you mean 'linkedin'?"),
    (["run", "LinkedIn", "--setting", "nosuch"], "data-for-generative-ai-improvement"),
    (["run", "meta"], "could be facebook, instagram, meta-ai or whatsapp"),
    (["history", "linkdin"], "Did you mean 'linkedin'?"),
    (["done", "slack", "global-model-opt-ot"], "Did you mean 'global-model-opt-out'?"),
    (["login", "twiter"], "Did you mean 'twitter'?"),
    (["login", "gemini", "--browser"], "use --by-hand"),
])
def test_names_are_forgiven_or_answered_with_the_likely_ones(typed: list[str], expected: str):
    result = invoke(*typed)
    assert result.exit_code == 2 and expected in result.stderr, result.output
    assert "Traceback" not in result.output


def test_capitals_and_former_names_mean_the_platform(optout_home: Path):
    for typed in ("LinkedIn", "TWITTER", "x"):
        result = invoke("guide", typed, "--out", str(optout_home / typed))
        assert result.exit_code == 0, result.output
    assert (optout_home / "TWITTER" / "x.md").is_file()
    done = invoke("done", "Slack", "GLOBAL-MODEL-OPT-OUT")
    assert done.exit_code == 0, done.output


def test_an_account_slip_names_the_stored_ones(optout_home: Path):
    from optout.domain.accounts import Account
    from optout.store import credentials
    credentials.store(Account("linkedin", "work", "ada@example.com",
                              ("https://www.linkedin.com",)), "pw")
    result = invoke("run", "linkedin", "--account", "wrok")
    assert result.exit_code == 2 and "stored: work" in result.stderr
    assert "Did you mean 'work'?" in result.stderr
    forget = invoke("forget", "linkedin", "--account", "Work")  # any case
    assert forget.exit_code == 0, forget.output


def test_dash_h_and_a_tool_option_after_the_command():
    assert invoke("run", "-h").stdout.startswith("Usage: cli run")
    assert invoke("-h").exit_code == 0
    result = invoke("list", "--recipes", "somewhere")
    assert result.exit_code == 2
    assert "give it before the command, as in `optout --recipes DIR list" in result.stderr


def test_shell_completion_offers_commands_and_platforms():
    from click.testing import CliRunner

    def complete(words: str, index: int) -> str:
        env = {"_OPTOUT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(index)}
        return CliRunner().invoke(cli, [], env=env, prog_name="optout").stdout

    assert "plain,practice" in complete("optout pra", 1)
    assert "plain,linkedin" in complete("optout run lin", 2)


def test_every_json_command_prints_its_error_as_json(optout_home: Path):
    for typed in (["run", "linkdin", "--json"], ["check", "--all", "--json"],
                  ["status", "--json", "--bogus"], ["scan", "nosuch", "--json"],
                  ["bulk", "missing.csv", "--json"], ["history", "linkdin", "--json"]):
        result = invoke(*typed)
        assert result.exit_code == 2, (typed, result.output)
        error = json.loads(result.stdout)["error"]
        assert error["exit_code"] == 2 and error["message"], typed


def test_history_reads_to_the_second_with_titles_and_as_csv(optout_home: Path):
    assert invoke("done", "slack", "global-model-opt-out").exit_code == 0
    table = invoke("history").stdout
    assert all(word in table for word in ["Slack", "global", "model", "opt-out", "request"])
    time = json.loads(invoke("history", "--json").stdout)["observations"][0]["time"]
    assert time[:19].replace("T", " ") in table  # seconds shown
    rows = list(csv.DictReader(io.StringIO(invoke("history", "--csv").stdout)))
    assert rows[0]["platform"] == "slack" and rows[0]["status"] == "marked_done"
    assert rows[0]["practice"] == "False"


def _checks(result) -> dict[str, dict]:
    return {check["part"]: check for check in json.loads(result.stdout)["checks"]}


def test_doctor_tries_each_part_and_says_how_to_fix_it(optout_home: Path, tmp_path: Path):
    optout_home.mkdir(mode=0o700, exist_ok=True)
    (optout_home / "notes.txt").write_text("x")
    (optout_home / "notes.txt").chmod(0o644)  # readable by other users
    broken = tmp_path / "recipes"
    broken.mkdir()
    (broken / "mine.yaml").write_text("platform: mine\nsettings: nope\n")
    result = invoke("--recipes", str(broken), "doctor", "--json")
    assert result.exit_code == 1, result.output
    checks = _checks(result)
    assert checks["browser"]["ok"] and "starts headless" in checks["browser"]["found"]
    assert checks["keyring"]["ok"] and "MemoryKeyring" in checks["keyring"]["found"]
    assert not checks["data folder"]["ok"]
    assert checks["data folder"]["fix"] == f"`chmod -R go-rwx {optout_home}`"
    assert not checks["recipes"]["ok"] and "mine.yaml" in checks["recipes"]["found"]

    (optout_home / "notes.txt").chmod(0o600)
    fine = invoke("doctor")
    assert "ok      data folder" in fine.stdout and "only you can read it" in fine.stdout


def test_doctor_names_a_keyring_to_install_when_there_is_none(monkeypatch: pytest.MonkeyPatch):
    import keyring
    from keyring.backends.null import Keyring as NoKeyring
    monkeypatch.setattr(keyring, "get_keyring", lambda: NoKeyring())
    checks = _checks(invoke("doctor", "--json"))
    assert not checks["keyring"]["ok"]
    assert "gnome-keyring" in checks["keyring"]["fix"] and "keyrings.cryptfile" in \
        checks["keyring"]["fix"]


def test_doctor_finds_a_schedule_that_cannot_open_the_keyring(monkeypatch: pytest.MonkeyPatch):
    from optout.app import schedule
    monkeypatch.setattr(schedule, "detect_system", lambda: "systemd")
    monkeypatch.setattr(schedule.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr(schedule, "installed", lambda system: "ExecStart=optout check --all\n")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.cryptfile.cryptfile.CryptFileKeyring")
    scheduler = _checks(invoke("doctor", "--json"))["scheduler"]
    assert not scheduler["ok"] and "PYTHON_KEYRING_BACKEND" in scheduler["found"]
    monkeypatch.setattr(schedule, "installed", lambda system: None)
    scheduler = _checks(invoke("doctor", "--json"))["scheduler"]
    assert scheduler["ok"] and "optout schedule install" in scheduler["fix"]


def test_a_run_of_several_accounts_shows_a_live_board_in_a_terminal():
    from types import SimpleNamespace

    from rich.console import Console

    from optout.cli.render import Board
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)

    def job(name: str, account: str):
        return SimpleNamespace(recipe=SimpleNamespace(name=name, platform=name.lower()),
                               account=SimpleNamespace(name=account))

    with Board(console) as board:
        board(job("LinkedIn", "work"), "reading Data for Generative AI Improvement")
        board(job("X", "me"), "switching Grok & Third-party Collaborators off")
        board(job("LinkedIn", "work"), "verifying Data for Generative AI Improvement")
        with board.paused():  # a question to the person: the board makes way
            console.print("Enter the code:")
    drawn = screen.getvalue()
    assert "LinkedIn (work)" in drawn and "X (me)" in drawn
    assert "verifying Data for Generative AI Improvement" in drawn
    # One line per account, redrawn in place: the terminal is told to move back up.
    assert "\x1b[1A" in drawn or "\x1b[2A" in drawn
    assert "Enter the code:" in drawn
