"""Bulk runs from a roster: checked first, concurrent, resumable, with every output."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from optout.browser.launch import find_browser
from optout.practice.linkedin import GEN_AI
from tests.conftest import approved, invoke, linkedin_toggle_recipe, results_of

# LinkedIn's toggle and sign-in; its objection form is tested in test_catalogue.
pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")

ROOT = Path(__file__).parent.parent


def roster(tmp_path, practice, count: int, *, faults=None, name="roster.csv") -> Path:
    """A CSV roster of practice users whose passwords come from a command (printf)."""
    lines = ["platform,account,username,password_command"]
    for n in range(count):
        password = f"pw-member-{n}-secret"
        practice.world.add_user(f"member{n}@example.com", password,
                                faults=(faults or {}).get(n, set()))
        lines.append(f"linkedin,member{n},member{n}@example.com,printf %s {password}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_roster_runs_every_account_with_every_output(tmp_path, practice, page):
    path = roster(tmp_path, practice, 3)
    out_csv, out_html = tmp_path / "results.csv", tmp_path / "proof.html"
    result = invoke("bulk", str(path), "--origin", practice.origin, "--json", "--csv", str(out_csv),
                    "--html", str(out_html), "--concurrency", "2")
    assert result.exit_code == 0, result.output
    rows = results_of(result)
    assert sorted(r["account"] for r in rows) == ["member0", "member1", "member2"]
    assert {(r["status"], r["verified"]) for r in rows} == {("changed", True)}
    for n in range(3):
        assert practice.world.setting(f"member{n}@example.com", GEN_AI) is False
    with out_csv.open() as handle:
        table = list(csv.DictReader(handle))
    assert [r["status"] for r in table] == ["changed"] * 3
    assert all(r["evidence"].endswith("page.png") for r in table)
    # Each output is named where it went, with its hash.
    assert f"Wrote {out_csv} (SHA-256 {hashlib.sha256(out_csv.read_bytes()).hexdigest()})" in \
        " ".join(result.stderr.split())
    assert f"Wrote {out_html} (SHA-256 {hashlib.sha256(out_html.read_bytes()).hexdigest()})" in \
        " ".join(result.stderr.split())
    page.goto(out_html.as_uri())
    assert page.locator("section").count() == 3
    assert "pw-member-0-secret" not in result.output + out_csv.read_text() + out_html.read_text()


@pytest.mark.parametrize(("content", "problem"), [
    ("platform,account,username\nlinkedin,a,a@x\nmyspace,b,b@x\n", "row 3, column 'platform'"),
    ("platform,account\nlinkedin,a\n", "row 1: column 'username' is missing"),
    ("platform,account,username,password\nlinkedin,a,a@x,hunter2\n", "unknown column 'password'"),
    ("platform,account,username\nlinkedin,a,a@x\nlinkedin,a,b@x\n", "row 3, column 'account'"),
    ("platform,account,username\nlinkedin,../x,a@x\n", "row 2, column 'account'"),
    ("platform,account,username,password_command\nlinkedin,a,a@x,pass 'open\n",
     "row 2, column 'password_command'"),
])
def test_a_malformed_roster_is_refused_before_anything_runs(tmp_path, practice, content, problem):
    path = tmp_path / "roster.csv"
    path.write_text(content)
    result = invoke("bulk", str(path), "--origin", practice.origin)
    assert result.exit_code == 2
    assert problem in result.stderr
    assert practice.world.sign_in_attempts == []


def test_a_yaml_roster_names_its_entry(tmp_path, practice):
    path = tmp_path / "roster.yaml"
    path.write_text("- {platform: linkedin, account: a, username: a@x}\n- {platform: linkedin}\n")
    result = invoke("bulk", str(path), "--origin", practice.origin)
    assert result.exit_code == 2 and "entry 2, column 'account'" in result.stderr


def test_one_failing_account_never_stops_the_others(tmp_path, practice):
    path = roster(tmp_path, practice, 3, faults={1: {"reject_password"}})
    result = invoke("bulk", str(path), "--origin", practice.origin, "--json")
    assert result.exit_code == 1
    statuses = {r["account"]: r["status"] for r in results_of(result)}
    assert statuses == {"member0": "changed", "member1": "failed", "member2": "changed"}


def test_resume_skips_what_was_verified_and_chains(tmp_path, practice):
    path = roster(tmp_path, practice, 3, faults={1: {"reject_password"}})
    assert invoke("bulk", str(path), "--origin", practice.origin).exit_code == 1
    practice.world.user("member1@example.com").faults.clear()
    first = {n: practice.world.user(f"member{n}@example.com").sign_ins for n in range(3)}
    again = invoke("bulk", str(path), "--origin", practice.origin, "--resume", "--json")
    assert again.exit_code == 0, again.output
    assert [r["account"] for r in results_of(again)] == ["member1"]
    assert "2 accounts were verified" in again.stderr
    for n in (0, 2):
        assert practice.world.user(f"member{n}@example.com").sign_ins == first[n]
    last = invoke("bulk", str(path), "--origin", practice.origin, "--resume", "--json")
    assert last.exit_code == 0 and results_of(last) == []
    assert ("3 accounts were verified by the earlier run of this roster (linkedin/member0, "
            "linkedin/member1, linkedin/member2); 0 to go") in last.stderr
    # A changed recipe (approved anew) is another run's question: every row runs again.
    folder = Path(os.environ["OPTOUT_RECIPE_PATH"])
    recipe = folder / "linkedin.yaml"
    recipe.write_text(recipe.read_text() + "# changed\n")
    approved(folder)
    changed = invoke("bulk", str(path), "--origin", practice.origin, "--resume", "--json")
    assert changed.exit_code == 0, changed.output
    assert len(results_of(changed)) == 3 and "0 accounts were verified" in changed.stderr


@pytest.mark.parametrize(("sent", "to_group", "concurrency"), [
    (signal.SIGINT, True, 1),  # a terminal's Ctrl-C reaches the browser and its driver too
    (signal.SIGINT, True, 3),
    (signal.SIGTERM, False, 3),  # a scheduler or service manager stopping the run
])
def test_an_interrupt_stops_cleanly_and_loses_nothing(tmp_path, practice, optout_home, sent,
                                                      to_group, concurrency):
    path = roster(tmp_path, practice, 8, faults={n: {"slow_save"} for n in range(8)})
    env = {**os.environ, "OPTOUT_HOME": str(optout_home), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"}
    process = subprocess.Popen(
        [sys.executable, "-m", "optout", "bulk", str(path), "--origin", practice.origin,
         "--concurrency", str(concurrency)], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    history = optout_home / "history.sqlite3"
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline and process.poll() is None
        try:  # the history may exist before its tables do
            done = history.exists() and sqlite3.connect(history).execute(
                "SELECT count(*) FROM observations WHERE verified = 1").fetchone()[0]
        except sqlite3.OperationalError:
            done = 0
        if done >= 2:
            break
        time.sleep(0.2)
    if to_group:
        os.killpg(process.pid, sent)
    else:
        process.send_signal(sent)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + sent, err
    assert "Traceback" not in err and "Unexpected error" not in err
    assert err.strip().splitlines()[-1].startswith("Interrupted: "), err
    assert "of 8 accounts finished and are kept; run the same command with --resume" in err
    db = sqlite3.connect(history)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Accounts under way when it stopped are not recorded at all: never as failed.
    assert db.execute("SELECT count(*) FROM observations WHERE status != 'changed' "
                      "OR verified = 0").fetchone()[0] == 0
    kept = db.execute("SELECT count(*) FROM observations WHERE verified = 1").fetchone()[0]
    assert 2 <= kept < 8
    resumed = invoke("bulk", str(path), "--origin", practice.origin, "--resume", "--json")
    assert resumed.exit_code == 0, resumed.output
    assert len(results_of(resumed)) == 8 - kept
    for n in range(8):
        assert practice.world.setting(f"member{n}@example.com", GEN_AI) is False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_run_through_a_remote_playwright_server(tmp_path, practice):
    server, endpoint = _browser_server()
    try:
        path = roster(tmp_path, practice, 2)
        # The server launches the browser; --browser tells it which (it was started --unsafe).
        # This one notes who launched it, so the test can tell the server's from a local one.
        marker = tmp_path / "launched-by"
        wrapper = tmp_path / "chromium"
        wrapper.write_text(f'#!/bin/sh\necho $PPID > {marker}\nexec {find_browser(None)} "$@"\n')
        wrapper.chmod(0o755)
        result = invoke("bulk", str(path), "--origin", practice.origin, "--json",
                        "--browser-endpoint", f"{endpoint}?token=s3cr3t",
                        "--browser", str(wrapper))
        assert result.exit_code == 0, result.output
        assert {r["status"] for r in results_of(result)} == {"changed"}
        assert _descends_from(int(marker.read_text()), server.pid)
    finally:  # the server's whole group: `python -m playwright` starts node as its child
        _kill(server)


def _browser_server() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "run-server", "--host", "127.0.0.1", "--port",
         str(port), "--unsafe"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)  # its own group: the server is a child of this process
    assert "Listening on" in (server.stdout.readline() if server.stdout else "")
    return server, f"ws://127.0.0.1:{port}/"


def _kill(server: subprocess.Popen) -> None:
    """The server and the browsers it launched, as a crash or a lost machine would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(10)


def test_a_pool_of_browser_servers_survives_losing_one(tmp_path, practice):
    """Two servers, one account at a time on each; one is killed mid-run and its account goes to
    the other: every account ends verified, none is run twice to a failure."""
    count = 6
    path = roster(tmp_path, practice, count, faults={n: {"slow_save"} for n in range(count)})
    first, first_url = _browser_server()
    second, second_url = _browser_server()
    killed_with: list[int] = []

    def kill_mid_run() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stored = sum(not practice.world.setting(f"member{n}@example.com", GEN_AI)
                         for n in range(count))
            if stored >= 1 and practice.world.saves_in_flight:
                killed_with.append(stored)
                _kill(first)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_mid_run)
    try:
        killer.start()
        result = invoke("--debug", "bulk", str(path), "--origin", practice.origin, "--json",
                        "--concurrency", "1", "--browser-endpoint", first_url, "--browser-endpoint", second_url,
                        "--browser", find_browser(None))
        killer.join()
        assert killed_with and killed_with[0] < count, "the server was not lost mid-run"
        assert "goes to another browser server" in result.stderr
        assert result.exit_code == 0, result.output
        rows = results_of(result)
        assert sorted(r["account"] for r in rows) == [f"member{n}" for n in range(count)]
        # The lost server's account may have had its save stored before the loss: then the
        # other server finds it already off.
        assert {r["status"] for r in rows} <= {"changed", "already"}
        assert all(r["verified"] for r in rows)
        for n in range(count):
            assert practice.world.setting(f"member{n}@example.com", GEN_AI) is False
    finally:
        for server in (first, second):
            _kill(server)


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return False


def test_an_unreachable_browser_server_is_a_clear_error(tmp_path, practice):
    path = roster(tmp_path, practice, 1)
    result = invoke("bulk", str(path), "--origin", practice.origin,
                    "--browser-endpoint", f"ws://127.0.0.1:{_free_port()}/?token=s3cr3t")
    assert result.exit_code == 1 and "Could not use the browser server" in result.stderr
    assert "Traceback" not in result.output and "s3cr3t" not in result.output


@pytest.mark.parametrize(("endpoint", "problem"), [
    ("ws://grid.example:3000/", "use wss://"),
    ("http://127.0.0.1:3000/", "must be a ws:// or wss:// address"),
    ("ws://127.0.0.1:99999/", "must be a ws:// or wss:// address"),
])
def test_browser_endpoints_that_would_carry_passwords_in_clear_are_refused(tmp_path, practice,
                                                                          endpoint, problem):
    path = roster(tmp_path, practice, 1)
    result = invoke("bulk", str(path), "--origin", practice.origin, "--browser-endpoint", endpoint)
    assert result.exit_code == 2 and problem in result.stderr


def test_roster_passwords_go_only_to_a_local_origin(tmp_path, practice):
    path = roster(tmp_path, practice, 1)
    result = invoke("bulk", str(path), "--origin", "https://elsewhere.example")
    assert result.exit_code == 2 and "not on this machine" in result.stderr


def test_resume_counts_only_the_same_origin(tmp_path, practice):
    path = roster(tmp_path, practice, 1)
    assert invoke("bulk", str(path), "--origin", practice.origin).exit_code == 0
    from optout.practice import PracticePlatform

    with PracticePlatform() as other:
        other.world.add_user("member0@example.com", "pw-member-0-secret")
        again = invoke("bulk", str(path), "--origin", other.origin, "--resume", "--json")
        assert again.exit_code == 0, again.output
        assert [r["status"] for r in results_of(again)] == ["changed"]
        assert other.world.setting("member0@example.com", GEN_AI) is False


@pytest.mark.parametrize(("content", "problem"), [
    ("platform,account,username\nlinkedin,a,a@x,pass show a\n", "more fields than columns"),
])
def test_csv_quirks_are_named(tmp_path, practice, content, problem):
    path = tmp_path / "roster.csv"
    path.write_text(content)
    result = invoke("bulk", str(path), "--origin", practice.origin)
    assert result.exit_code == 2 and problem in result.stderr


def test_a_spreadsheet_byte_order_mark_is_fine_and_bad_outputs_are_caught_first(tmp_path, practice):
    path = roster(tmp_path, practice, 1)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    bad = invoke("bulk", str(path), "--origin", practice.origin, "--csv",
                 str(tmp_path / "missing-folder" / "out.csv"))
    assert bad.exit_code == 2 and "Cannot write" in bad.stderr
    assert practice.world.sign_in_attempts == []
    assert invoke("bulk", str(path), "--origin", practice.origin).exit_code == 0


def test_a_yaml_list_is_not_a_command(tmp_path, practice):
    path = tmp_path / "roster.yaml"
    path.write_text("- {platform: linkedin, account: a, username: a@x, "
                    "password_command: [pass, show, a]}\n")
    result = invoke("bulk", str(path), "--origin", practice.origin)
    assert result.exit_code == 2 and "not a list or mapping" in result.stderr


def test_the_per_platform_limit_keeps_a_run_polite(tmp_path, practice):
    """Two platforms (LinkedIn, and a copy of its recipe that the same twin serves), three
    accounts each, slow saves: with --per-platform 1, at most one save per platform at once."""

    folder = tmp_path / "recipes"
    folder.mkdir()
    text = linkedin_toggle_recipe()
    (folder / "linkedout.yaml").write_text(text.replace("platform: linkedin", "platform: linkedout"))
    lines = ["platform,account,username,password_command"]
    for platform in ("linkedin", "linkedout"):
        for n in range(3):
            user = f"{platform}{n}@example.com"
            practice.world.add_user(user, f"pw-{platform}-{n}", faults={"slow_save"})
            lines.append(f"{platform},m{n},{user},printf %s pw-{platform}-{n}")
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n")
    result = invoke("--recipes", str(approved(folder)), "bulk", str(path), "--origin", practice.origin,
                    "--concurrency", "6", "--per-platform", "1")
    assert result.exit_code == 0, result.output
    assert practice.world.most_saves_at_once == 2  # one per platform, both platforms at once


def test_a_slot_taken_by_another_person_is_that_person_never_the_last(tmp_path, practice,
                                                                      caplog):
    """A roster row's account name kept, its username changed (another member took the slot):
    the saved session, made for the first person, is never reused for the second; a resume runs
    the row again; each result is for the person the row names."""
    practice.world.add_user("alice@example.com", "pw-alice-secret")
    practice.world.add_user("bob@example.com", "pw-bob-secret")
    path = tmp_path / "roster.csv"
    row = "linkedin,member1,{0}@example.com,printf %s pw-{0}-secret\n"
    path.write_text("platform,account,username,password_command\n" + row.format("alice"))
    assert invoke("bulk", str(path), "--origin", practice.origin).exit_code == 0
    assert practice.world.setting("alice@example.com", GEN_AI) is False
    path.write_text("platform,account,username,password_command\n" + row.format("bob"))
    resumed = invoke("bulk", str(path), "--origin", practice.origin, "--resume", "--json")
    assert resumed.exit_code == 0, resumed.output
    [result] = results_of(resumed)
    assert result["status"] == "changed" and result["verified"], result
    assert practice.world.setting("bob@example.com", GEN_AI) is False
    assert practice.world.user("bob@example.com").sign_ins == 1
    assert "made for a different username; it was discarded" in caplog.text
    again = invoke("bulk", str(path), "--origin", practice.origin, "--json")
    [result] = results_of(again)
    assert result["status"] == "already" and result["verified"]
    assert practice.world.user("bob@example.com").sign_ins == 1  # bob's own session, kept


def test_a_dry_run_runs_no_password_command(tmp_path, practice):
    """A roster's password commands are code: a dry run, made to look first, ran them."""
    marker = tmp_path / "ran"
    practice.world.add_user("member0@example.com", "pw-member-0")
    path = tmp_path / "roster.csv"
    path.write_text("platform,account,username,password_command\n"
                    f"linkedin,member0,member0@example.com,touch {marker}\n")
    result = invoke("bulk", str(path), "--origin", practice.origin, "--dry-run", "--json")
    assert not marker.exists()
    assert result.exit_code == 3, result.output
    [row] = results_of(result)
    assert row["status"] == "needs_human" and "a dry run does not run" in row["message"]
    assert practice.world.sign_in_attempts == []
