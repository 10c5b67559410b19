"""Lasting protection: the history, resets caught and fixed, notifications, the report, schedules."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from flask import Flask, request

from optout.domain.results import Result, Status
from optout.practice.linkedin import GEN_AI
from optout.practice.server import Served
from optout.store.history import SCHEMA_VERSION, History
from tests.conftest import invoke, outlined_pixels, results_of

# LinkedIn's toggle and sign-in; its objection form is tested in test_catalogue.
pytestmark = pytest.mark.usefixtures("linkedin_toggle_only")


@pytest.fixture
def inbox():
    """Where Apprise's json:// notifications land."""
    received: list[dict] = []
    app = Flask("inbox")

    @app.post("/notify")
    def notify():
        received.append(request.get_json())
        return "", 200

    with Served(app) as served:
        yield received, f"json://{served.origin.removeprefix('http://')}/notify"


def test_a_setting_turned_back_on_is_caught_shown_fixed_and_notified(practice, member, inbox):
    received, url = inbox
    ada = member(on=True)
    origin = ["--origin", practice.origin]
    assert invoke("run", "linkedin", *origin, "--notify", url).exit_code == 0
    assert received == []  # all well: nobody is bothered
    practice.world.store(ada.username, GEN_AI, True)  # the platform quietly turns it back on

    check = invoke("check", "linkedin", *origin, "--json", "--notify", url)
    assert check.exit_code == 4
    [row] = results_of(check)
    assert (row["status"], row["before"]) == ("drift", "on")
    assert "was turned back on between" in row["message"]
    [message] = received
    assert "turned back on" in message["title"]
    assert "optout check linkedin --fix" in message["message"]

    status = json.loads(invoke("status", "--json").stdout)["settings"]
    [setting] = status
    assert (setting["after"], setting["status"], setting["reset_count"]) == ("on", "drift", 1)
    assert setting["last_verified"] is not None
    history = json.loads(invoke("history", "linkedin", "--json").stdout)
    assert [o["status"] for o in history["observations"]] == ["changed", "drift"]
    assert len(history["resets"]) == 1 and history["resets"][0]["state"] == "on"
    assert "Reset:" in invoke("history").stdout
    shown = invoke("status").stdout
    assert "linkedin/default" in shown and "Resets" in shown

    received.clear()
    fixed = invoke("check", "linkedin", *origin, "--fix", "--json", "--notify", url)
    assert fixed.exit_code == 0, fixed.output
    [row] = results_of(fixed)
    assert (row["status"], row["verified"], row["after"]) == ("changed", True, "off")
    assert practice.world.setting(ada.username, GEN_AI) is False
    assert received == []  # this reset was told already

    practice.world.store(ada.username, GEN_AI, True)  # and again: a scheduled check --fix
    again = invoke("check", "linkedin", *origin, "--fix", "--json", "--notify", url)
    assert again.exit_code == 0 and results_of(again)[0]["status"] == "changed"
    [message] = received
    assert "optout switched it back and verified it" in message["message"]
    assert json.loads(invoke("status", "--json").stdout)["settings"][0]["reset_count"] == 2


def test_drift_seen_twice_is_one_reset(practice, member):
    ada = member(on=True)
    origin = ["--origin", practice.origin]
    assert invoke("run", "linkedin", *origin).exit_code == 0
    practice.world.store(ada.username, GEN_AI, True)
    assert invoke("check", "linkedin", *origin).exit_code == 4
    assert invoke("check", "linkedin", *origin).exit_code == 4
    assert len(json.loads(invoke("history", "--json").stdout)["resets"]) == 1


def test_failures_and_needed_people_are_notified(practice, member, inbox):
    received, url = inbox
    member(faults={"save_lost"})
    assert invoke("run", "linkedin", "--origin", practice.origin, "--notify", url).exit_code == 1
    [message] = received
    assert "could not verify" in message["title"] and "did not keep it" in message["message"]


def test_a_needed_person_is_notified(practice, member, inbox):
    received, url = inbox
    member(faults={"security_check"})
    assert invoke("check", "linkedin", "--origin", practice.origin, "--notify", url).exit_code == 3
    [message] = received
    assert "needs you" in message["title"] and "security check" in message["message"]


def test_notification_urls_and_config_are_checked_before_anything_runs(practice, member, tmp_path,
                                                                      monkeypatch, optout_home):
    ada = member(on=True)
    bad = invoke("run", "linkedin", "--origin", practice.origin, "--notify", "nonsense://tok3n")
    assert bad.exit_code == 2 and "not one Apprise understands" in bad.stderr
    assert "tok3n" not in bad.output  # the rest of a URL may be a secret
    assert practice.world.user(ada.username).sign_ins == 0
    assert not (optout_home / "history.sqlite3").exists()
    config = tmp_path / "config.toml"
    monkeypatch.setenv("OPTOUT_CONFIG", str(config))
    config.write_text("notify = [")
    broken = invoke("status")
    assert broken.exit_code == 2 and str(config) in broken.stderr
    config.write_text('[schedule]\nevery = "fortnightly"\n')
    wrong = invoke("status")
    assert wrong.exit_code == 2 and "schedule.every" in wrong.stderr


def test_the_config_picks_the_default_account(practice, member, tmp_path, monkeypatch):
    member(on=True, account="work", username="ada@work.example")
    member(on=True, account="home", username="ada@home.example")
    config = tmp_path / "config.toml"
    config.write_text('[accounts]\nlinkedin = "work"\n')
    monkeypatch.setenv("OPTOUT_CONFIG", str(config))
    result = invoke("check", "linkedin", "--origin", practice.origin, "--json")
    assert [r["account"] for r in results_of(result)] == ["work"]


def test_history_filters_and_bad_since(practice, member):
    member(on=True)
    assert invoke("run", "linkedin", "--origin", practice.origin).exit_code == 0
    assert len(json.loads(invoke("history", "--since", "1d", "--json").stdout)["observations"]) == 1
    future = json.loads(invoke("history", "--since", "2999-01-01", "--json").stdout)
    assert future["observations"] == []
    nobody = invoke("history", "--account", "nobody", "--json")  # a slip, not an empty history
    assert nobody.exit_code == 2 and "nobody" in json.loads(nobody.stdout)["error"]["message"]
    bad = invoke("history", "--since", "last tuesday")
    assert bad.exit_code == 2 and "--since" in bad.stderr


def test_report_is_one_readable_page_with_its_evidence(practice, member, tmp_path, page):
    ada = member(on=True)
    assert invoke("run", "linkedin", "--origin", practice.origin).exit_code == 0
    practice.world.store(ada.username, GEN_AI, True)
    assert invoke("check", "linkedin", "--origin", practice.origin).exit_code == 4
    target = tmp_path / "proof.html"
    result = invoke("report", "--html", str(target))
    assert result.exit_code == 0 and str(target) in result.stdout
    html = target.read_text()
    assert "data:image/png;base64," in html and "src=\"file:" not in html
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(target.as_uri())
    # What a reader sees first: the summary, with the setting's state now.
    summary = page.locator("#summary")
    assert summary.bounding_box()["y"] < 800  # type: ignore[index]
    row = summary.get_by_role("row").filter(has_text="Data for Generative AI Improvement")
    assert "linkedin" in row.inner_text() and "on" in row.locator(".state").inner_text()
    assert page.get_by_role("heading", name="linkedin, account default").is_visible()
    assert page.get_by_text("Turned back on between").is_visible()
    # The drift has its own screenshot, beside the last proof of "off".
    drift = page.locator("figure.drift img")
    assert drift.evaluate("img => img.naturalWidth") > 100
    proof = page.locator("figure:not(.drift) img").first  # the switch outlined in it
    assert outlined_pixels(page, proof.get_attribute("src") or "") > 40
    assert '"Use my data for training content creation AI models"  # off' in \
        page.locator("details pre").first.text_content()
    # Hashes: every evidence file and the report itself, as `sha256sum -c` would check them.
    sums = (tmp_path / "proof.html.sha256").read_text().splitlines()
    assert len(sums) == page.locator("#manifest tr").count()  # files listed + the report
    for line in sums:
        digest, path = line.split("  ", 1)
        assert not Path(path).is_absolute(), line  # relative to the report: the folder is proof
        assert hashlib.sha256((tmp_path / path).read_bytes()).hexdigest() == digest, path
    assert f"Its SHA-256: {sums[-1].split()[0]}" in result.stdout
    # Moved elsewhere it still checks; a file changed in the copy does not.
    moved = tmp_path / "sent"
    moved.mkdir()
    for name in [line.split("  ", 1)[1] for line in sums] + ["proof.html.sha256"]:
        (moved / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, moved / name)
    check = ["sha256sum", "--quiet", "-c", "proof.html.sha256"]
    assert subprocess.run(check, cwd=moved, capture_output=True).returncode == 0
    shot = moved / sums[0].split("  ", 1)[1]
    shot.write_bytes(shot.read_bytes() + b"\0")
    assert subprocess.run(check, cwd=moved, capture_output=True).returncode == 1

    # Once the account is forgotten, its readings are shown apart, out of the summary.
    assert invoke("forget", "linkedin").exit_code == 0
    assert invoke("report", "--html", str(target)).exit_code == 0
    page.goto(target.as_uri())
    assert page.locator("#summary").count() == 0
    assert page.locator("#stale").get_by_text("the account was forgotten").is_visible()


# --- the database itself --------------------------------------------------------------------------


def _result(n: int) -> Result:
    return Result("linkedin", f"a{n % 7}", "s", "off", Status.CHANGED, "on", "off", True,
                  None, f"row {n}", title="S")


def _writer(path: str, count: int) -> None:
    with History(__import__("pathlib").Path(path)) as history:
        run = history.start_run("test")
        for n in range(count):
            history.record(run, _result(n), "v")
        history.finish_run(run)


def test_two_runs_at_once_never_corrupt_it(tmp_path):
    path = str(tmp_path / "history.sqlite3")
    History(tmp_path / "history.sqlite3").close()
    writers = [multiprocessing.Process(target=_writer, args=(path, 200)) for _ in range(2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM observations").fetchone()[0] == 400
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_run_killed_halfway_leaves_it_consistent(tmp_path):
    path = tmp_path / "history.sqlite3"
    History(path).close()
    writer = multiprocessing.Process(target=_writer, args=(str(path), 1_000_000))
    writer.start()
    deadline = time.monotonic() + 30
    db = sqlite3.connect(path)
    while db.execute("SELECT count(*) FROM observations").fetchone()[0] < 50:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.join()
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with History(path) as history:  # opens, recovers the WAL, migrates nothing
        rows = history.timeline()
        assert rows and all(r["message"].startswith("row ") for r in rows)
        assert history.db.execute("SELECT finished FROM runs").fetchone()[0] is None


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "history.sqlite3"
    History(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    from optout.domain.errors import BadInput

    with pytest.raises(BadInput, match="newer optout"):
        History(path)


# --- schedules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("system", "every", "expected"), [
    ("systemd", "12h", ["OnCalendar=*-*-* 09,21:17:00", "Persistent=true",
                        "-m optout check --all --fix", "systemctl --user enable --now optout-check.timer"]),
    ("systemd", "7d", ["OnCalendar=Mon *-*-* 09:17:00"]),
    ("cron", "1d", ["17 9 * * * ", "-m optout check --all --fix # optout-check"]),
    ("launchd", "7d", ["<key>StartInterval</key>", "<integer>604800</integer>",
                       "<string>check</string>", "launchctl load -w"]),
    ("windows", "12h", ["schtasks /Create /F /TN optout-check /SC HOURLY /MO 12 /TR",
                        "-m optout check --all --fix"]),
])
def test_schedule_dry_run_shows_the_entry_for_each_system(system, every, expected, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv("OPTOUT_CONFIG", str(tmp_path / "config.toml"))
    result = invoke("schedule", "install", "--every", every, "--fix", "--system", system,
                    "--dry-run", "--notify", "json://127.0.0.1:9/secret-token")
    assert result.exit_code == 0, result.output
    for line in expected:
        assert line in result.stdout
    assert "secret-token" not in result.stdout  # URLs go to the private config file only
    assert not (tmp_path / "config.toml").exists()  # a dry run writes nothing


@pytest.mark.parametrize("system", ["systemd", "cron", "launchd", "windows"])
def test_a_schedule_carries_how_to_reach_the_keyring(system, tmp_path, monkeypatch):
    """A person who chose a keyring backend with PYTHON_KEYRING_BACKEND (as the keyring error
    advises) gets a scheduled run that can open the same keyring."""
    monkeypatch.setenv("OPTOUT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.cryptfile.cryptfile.CryptFileKeyring")
    monkeypatch.setenv("KEYRING_PROPERTY_FILE_PATH", "/home/ada/.local/share/keyring.cfg")
    result = invoke("schedule", "install", "--system", system, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "keyrings.cryptfile.cryptfile.CryptFileKeyring" in result.stdout
    assert "KEYRING_PROPERTY_FILE_PATH" in result.stdout


def test_schedule_install_status_remove_in_a_target_folder(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    monkeypatch.setenv("OPTOUT_CONFIG", str(config))
    target = tmp_path / "units"
    for system in ("systemd", "cron", "launchd", "windows"):
        assert "No " in invoke("schedule", "status", "--system", system, "--target", str(target)).stdout
        done = invoke("schedule", "install", "--system", system, "--target", str(target),
                      "--notify", "json://127.0.0.1:9/secret-token")
        assert done.exit_code == 0, done.output
        status = invoke("schedule", "status", "--system", system, "--target", str(target)).stdout
        assert "is installed" in status and "optout" in status and "--all" in status
        assert "removed" in invoke("schedule", "remove", "--system", system, "--target",
                                   str(target)).stdout.lower()
        assert list(target.iterdir()) == []
    assert "secret-token" in config.read_text() and config.stat().st_mode & 0o777 == 0o600


def test_a_schedule_nobody_hears_or_that_cannot_open_the_keyring_is_warned_of(tmp_path,
                                                                             monkeypatch):
    """`schedule install` wrote an entry that could not reach a session-bus keyring, and one
    with no notification, without a word."""
    monkeypatch.setenv("OPTOUT_CONFIG", str(tmp_path / "config.toml"))
    quiet = invoke("schedule", "install", "--system", "cron", "--target", str(tmp_path / "t"))
    assert quiet.exit_code == 0 and "nobody is told what the re-check finds" in quiet.stderr

    class SecretService:  # the desktop keyring, reached over this terminal's D-Bus session
        __module__ = "keyring.backends.SecretService"

    monkeypatch.setattr("keyring.get_keyring", lambda: SecretService())
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/dbus-XYZ")
    bus = invoke("schedule", "install", "--system", "cron", "--target", str(tmp_path / "t"),
                 "--notify", "json://127.0.0.1:9/token")
    assert bus.exit_code == 0 and "may not open it" in " ".join(bus.stderr.split())
    assert "nobody is told" not in bus.stderr


def test_a_history_migrates_forward_from_version_1(tmp_path):
    from optout.store.history import MIGRATIONS

    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO runs (started, command, tool_version) VALUES ('t', 'run', '0')")
    db.execute("INSERT INTO observations (run_id, time, platform, account, setting, title, desired, "
               "after, status, verified, message, tool_version, recipe_version) VALUES "
               "(1, 't', 'linkedin', 'a', 's', 'S', 'off', 'off', 'changed', 1, '', '0', 'v')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with History(path) as history:
        [row] = history.timeline()
        assert row["origin"] == "" and row["after"] == "off"
        assert history.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_resets_are_judged_per_origin(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        run = history.start_run("t")
        verified = Result("linkedin", "a", "s", "off", Status.CHANGED, "on", "off", True, title="S")
        drift = Result("linkedin", "a", "s", "off", Status.DRIFT, "on", "on", False, title="S")
        assert history.record(run, verified, "v", "https://www.linkedin.com") is None
        assert history.record(run, drift, "v", "http://127.0.0.1:8000") is None  # a test server
        reset = history.record(run, drift, "v", "https://www.linkedin.com")
        assert reset is not None and reset.state == "on"


def test_damaged_history_and_odd_spans_are_bad_input(optout_home):
    optout_home.mkdir(parents=True, exist_ok=True)
    (optout_home / "history.sqlite3").write_bytes(b"this is not a database" * 100)
    broken = invoke("status")
    assert broken.exit_code == 2 and "damaged" in broken.stderr and ".recover" in broken.stderr
    (optout_home / "history.sqlite3").unlink()
    far = invoke("history", "--since", "99999999d")
    assert far.exit_code == 2 and "--since" in far.stderr


def test_managing_a_scheduler_that_is_not_here_is_bad_input():
    import shutil

    if shutil.which("crontab"):
        pytest.skip("this machine has crontab")
    result = invoke("schedule", "status", "--system", "cron")
    assert result.exit_code == 2 and "no `crontab` here" in result.stderr


def test_the_report_keeps_each_origin_apart(tmp_path):
    from optout.output.report import gather

    with History(tmp_path / "h.sqlite3") as history:
        run = history.start_run("t")
        real = Result("linkedin", "a", "s", "off", Status.DRIFT, "on", "on", False, title="S")
        practice = Result("linkedin", "a", "s", "off", Status.CHANGED, "on", "off", True, title="S")
        history.record(run, real, "v", "https://www.linkedin.com")
        history.record(run, practice, "v", "http://127.0.0.1:8000")
        entries = {e["origin"]: e for e in gather(history)}
    assert entries["https://www.linkedin.com"]["last_verified"] is None  # never proven off there
    assert entries["http://127.0.0.1:8000"]["last_verified"] is not None


def test_a_forgotten_accounts_past_is_not_a_new_accounts_reset(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        run = history.start_run("t")
        verified = Result("linkedin", "a", "s", "off", Status.CHANGED, "on", "off", True, title="S")
        history.record(run, verified, "v", "https://www.linkedin.com")
        history.forget("linkedin", "a")
        # Stored again under the same name: its first reading is "on", which is no reset.
        found_on = Result("linkedin", "a", "s", "off", Status.DRIFT, "on", "on", False, title="S")
        assert history.record(run, found_on, "v", "https://www.linkedin.com") is None
        assert history.resets() == []
        (row,) = history.status()
        assert row["last_verified"] is None and row["after"] == "on"
        # Without a forget in between, the same reading is a reset.
        history.record(run, verified, "v", "https://www.linkedin.com")
        assert history.record(run, found_on, "v", "https://www.linkedin.com") is not None


@pytest.mark.parametrize("system", ["systemd", "cron", "launchd", "windows"])
def test_a_keyring_unlocked_by_a_secret_is_never_written_into_a_schedule(system, tmp_path,
                                                                         monkeypatch):
    """keyrings.cryptfile is unlocked by KEYRING_PROPERTY_KEYRING_KEY: a schedule entry is plain
    text, so the install is refused, and nothing prints or writes the key."""
    monkeypatch.setenv("OPTOUT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.cryptfile.cryptfile.CryptFileKeyring")
    monkeypatch.setenv("KEYRING_PROPERTY_KEYRING_KEY", "hunter2-master-key")
    target = tmp_path / "units"
    for extra in (["--dry-run"], ["--target", str(target)]):
        result = invoke("schedule", "install", "--system", system, *extra)
        assert result.exit_code == 2 and "KEYRING_PROPERTY_KEYRING_KEY" in result.stderr
        assert "hunter2-master-key" not in result.output
    assert not target.exists() or not any(target.rglob("*"))
    status = invoke("schedule", "status", "--system", system, "--target", str(target))
    assert status.exit_code == 0 and "hunter2-master-key" not in status.output


def test_schedule_values_are_written_as_each_scheduler_reads_them(tmp_path, monkeypatch):
    from optout.app.schedule import entries
    monkeypatch.setenv("OPTOUT_HOME", "/home/ada/100%/optout")
    [service, _] = entries("systemd", "1d", False, home=tmp_path)
    assert "OPTOUT_HOME=/home/ada/100%%/optout" in service.content
    [cron] = entries("cron", "1d", False, home=tmp_path)
    assert "/home/ada/100\\%/optout" in cron.content
    monkeypatch.setenv("OPTOUT_HOME", "/tmp/x\nExecStartPre=/bin/evil")
    with pytest.raises(Exception, match="line break"):
        entries("systemd", "1d", False, home=tmp_path)
