"""Scheduled re-checks with the operating system's own scheduler.

A systemd user timer on Linux (cron where there is no systemd), a launchd agent on macOS, a Task
Scheduler task on Windows. Each runs `optout check --all` (with `--fix` if asked). Notification
URLs can hold tokens, so they go to the private config file, never into the scheduler's entry.
"""

from __future__ import annotations

import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from optout.domain.errors import BadInput, OptoutError
from optout.store.files import data_path, write_private

NAME = "optout-check"
LAUNCHD_LABEL = "dev.optout.check"
CRON_MARK = f"# {NAME}"
SYSTEMS = ("systemd", "cron", "launchd", "windows")
SECONDS = {"12h": 12 * 3600, "1d": 24 * 3600, "7d": 7 * 24 * 3600}
# A fixed odd minute, so that not every user's re-check lands on the hour.
CRON = {"12h": "17 */12 * * *", "1d": "17 9 * * *", "7d": "17 9 * * 1"}
CALENDAR = {"12h": "*-*-* 09,21:17:00", "1d": "*-*-* 09:17:00", "7d": "Mon *-*-* 09:17:00"}
SCHTASKS = {"12h": ["/SC", "HOURLY", "/MO", "12"], "1d": ["/SC", "DAILY", "/ST", "09:17"],
            "7d": ["/SC", "WEEKLY", "/D", "MON", "/ST", "09:17"]}


@dataclass
class Entry:
    """One thing the scheduler needs: a file to write, or a line or command, plus how to apply it."""

    what: str  # a file path, "crontab" or "Task Scheduler"
    content: str
    path: Path | None = None
    apply: list[list[str]] = field(default_factory=list)


def windows_wrapper_path() -> Path:
    return data_path() / f"{NAME}.cmd"


# The command each scheduler is driven with; without it, nothing can be installed for real.
TOOLS = {"systemd": "systemctl", "cron": "crontab", "launchd": "launchctl", "windows": "schtasks"}


def require_tool(system: str, *, installing: bool = False) -> None:
    """BadInput naming what the command itself offers instead (only `install` has --dry-run)."""
    if not shutil.which(TOOLS[system]):
        instead = "--dry-run or --target DIR" if installing else "--target DIR"
        raise BadInput(f"There is no `{TOOLS[system]}` here, so no {system} schedule can be "
                       f"managed; choose another --system, or use {instead}.")


def detect_system() -> str:
    if sys.platform == "darwin":
        return "launchd"
    if sys.platform == "win32":
        return "windows"
    if Path("/run/systemd/system").is_dir() and shutil.which("systemctl"):
        return "systemd"
    return "cron"


def check_command(fix: bool) -> list[str]:
    """The scheduled command: this Python and this optout, wherever they are installed."""
    return [sys.executable, "-m", "optout", "check", "--all", *(["--fix"] if fix else [])]


# Keyring settings whose value unlocks the keyring (keyrings.cryptfile's KEYRING_PROPERTY_
# KEYRING_KEY): a scheduler's entry is plain text, so they are never written there.
SECRET_PROPERTY = re.compile(r"KEY|PASS|SECRET|TOKEN|PIN", re.IGNORECASE)


def _environment() -> dict[str, str]:
    """What the scheduled run needs of this environment: optout's own settings, and how to reach
    the keyring (the backend chosen with PYTHON_KEYRING_BACKEND and its KEYRING_PROPERTY_*
    settings): a scheduler starts jobs with almost nothing set. BadInput for a keyring only a
    secret in the environment unlocks, and for a value no scheduler can hold (a line break)."""
    properties = sorted(n for n in os.environ if n.startswith("KEYRING_PROPERTY_"))
    secrets = [n for n in properties if SECRET_PROPERTY.search(n[len("KEYRING_PROPERTY_"):])]
    if secrets:
        raise BadInput(
            f"The keyring is unlocked by {', '.join(secrets)}, a secret a schedule would have to "
            "keep in plain text. Schedule with a keyring your login session unlocks (Secret "
            "Service, macOS Keychain, Windows Credential Locker) instead.")
    names = ["OPTOUT_HOME", "OPTOUT_CONFIG", "OPTOUT_RECIPE_PATH", "OPTOUT_BROWSER",
             "PYTHON_KEYRING_BACKEND", *properties]
    env = {name: os.environ[name] for name in names if os.environ.get(name)}
    for name, value in env.items():
        if any(c in value for c in "\n\r\0"):
            raise BadInput(f"{name} holds a line break, which no scheduler's entry can hold; "
                           "set it to a plain path or name and install again.")
    return env


def entries(system: str, every: str, fix: bool, home: Path | None = None,
            env: dict[str, str] | None = None) -> list[Entry]:
    """What installing a re-check every `every` means on `system` (with this environment's
    settings, `_environment`, unless given: where entries go needs none)."""
    home = home or Path.home()
    command = check_command(fix)
    env = _environment() if env is None else env
    if system == "systemd":
        folder = home / ".config" / "systemd" / "user"
        # systemd expands % specifiers in Environment=: a literal % is written %%.
        environment = "".join(f"Environment={shlex.quote(f'{k}={v}').replace('%', '%%')}\n"
                              for k, v in env.items())
        service = (f"[Unit]\nDescription=optout: re-check AI-training opt-outs\n\n"
                   f"[Service]\nType=oneshot\nTimeoutStartSec=30min\n{environment}"
                   f"ExecStart={shlex.join(command)}\n")
        timer = (f"[Unit]\nDescription=optout: re-check AI-training opt-outs every {every}\n\n"
                 f"[Timer]\nOnCalendar={CALENDAR[every]}\nPersistent=true\n"
                 f"RandomizedDelaySec=15min\n\n[Install]\nWantedBy=timers.target\n")
        return [
            Entry(str(folder / f"{NAME}.service"), service, folder / f"{NAME}.service"),
            Entry(str(folder / f"{NAME}.timer"), timer, folder / f"{NAME}.timer", apply=[
                ["systemctl", "--user", "daemon-reload"],
                ["systemctl", "--user", "enable", "--now", f"{NAME}.timer"]]),
        ]
    if system == "cron":
        # cron ends a command at an unescaped %, even inside quotes: a literal one is written \%.
        prefix = " ".join(f"{k}={shlex.quote(v)}".replace("%", "\\%") for k, v in env.items())
        line = f"{CRON[every]} {prefix + ' ' if prefix else ''}{shlex.join(command)} {CRON_MARK}"
        return [Entry("crontab", line + "\n")]
    if system == "launchd":
        path = home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        logs = home / "Library" / "Logs" / "optout-check.log"
        plist = {"Label": LAUNCHD_LABEL, "ProgramArguments": command,
                 "StartInterval": SECONDS[every], "RunAtLoad": False,
                 "StandardOutPath": str(logs), "StandardErrorPath": str(logs)}
        if env:
            plist["EnvironmentVariables"] = env
        # Unload first, so that a reinstall with another interval takes effect.
        return [Entry(str(path), plistlib.dumps(plist).decode(), path,
                      apply=[["launchctl", "unload", str(path)],
                             ["launchctl", "load", "-w", str(path)]])]
    if system == "windows":
        # Task Scheduler has no environment settings: a small script sets them, then runs optout.
        wrapper = windows_wrapper_path()
        lines = ["@echo off", *(f'set "{k}={v}"' for k, v in env.items()),
                 subprocess.list2cmdline(command)]
        create = ["schtasks", "/Create", "/F", "/TN", NAME, *SCHTASKS[every],
                  "/TR", subprocess.list2cmdline([str(wrapper)])]
        return [Entry(str(wrapper), "\r\n".join(lines) + "\r\n", wrapper, apply=[create])]
    raise BadInput(f"Unknown scheduler {system!r}; choose one of {', '.join(SYSTEMS)}.")


# --- installing, for real or into a folder -------------------------------------------------------


def install(system: str, every: str, fix: bool, target: Path | None = None) -> list[Entry]:
    """Install the entries; into `target` instead (files only, nothing run) when given."""
    planned = entries(system, every, fix)
    if target is None:
        require_tool(system, installing=True)
    for entry in planned:
        if target is not None:
            _write(_in_target(entry, target), entry.content)
            continue
        if entry.path is not None:
            _write(entry.path, entry.content)
        elif system == "cron":
            _set_crontab(_crontab_without_ours() + entry.content)
        for command in entry.apply:
            _run(command, check=command[:2] != ["launchctl", "unload"])  # not loaded yet is fine
    return planned


def remove(system: str, target: Path | None = None) -> bool:
    """Remove what install put there; True if something was there."""
    found = False
    if target is None:
        require_tool(system)
    for entry in entries(system, "1d", False, env={}):
        if target is not None:
            path = _in_target(entry, target)
            found = path.exists() or found
            path.unlink(missing_ok=True)
            continue
        if system == "systemd" and entry.path and entry.path.suffix == ".timer" and entry.path.exists():
            _run(["systemctl", "--user", "disable", "--now", f"{NAME}.timer"], check=False)
        if system == "launchd" and entry.path and entry.path.exists():
            _run(["launchctl", "unload", "-w", str(entry.path)], check=False)
        if system == "windows":
            found = _run(["schtasks", "/Delete", "/F", "/TN", NAME], check=False) == 0
        if entry.path is not None:
            found = entry.path.exists() or found
            entry.path.unlink(missing_ok=True)
        elif system == "cron":
            found = CRON_MARK in _crontab()
            if found:
                _set_crontab(_crontab_without_ours())
    return found


def installed(system: str, target: Path | None = None) -> str | None:
    """What is installed (every file's content, the crontab line, the task), or None."""
    if target is None and system in ("cron", "windows"):
        require_tool(system)
    if target is None and system == "cron":
        lines = [line for line in _crontab().splitlines() if line.endswith(CRON_MARK)]
        return "\n".join(lines) + "\n" if lines else None
    if target is None and system == "windows":
        done = subprocess.run(["schtasks", "/Query", "/TN", NAME, "/V", "/FO", "LIST"],
                              capture_output=True, text=True)
        return done.stdout if done.returncode == 0 else None
    paths = [_in_target(e, target) if target else e.path
             for e in entries(system, "1d", False, env={})]
    found = [f"# {path}\n{path.read_text()}" for path in paths if path and path.exists()]
    return "\n".join(found) if found else None


def _in_target(entry: Entry, target: Path) -> Path:
    return target / (entry.path.name if entry.path else "crontab")


def _write(path: Path, content: str) -> None:
    write_private(path, content)  # a symlink planted where the entry goes is never followed


def _run(command: list[str], check: bool = True) -> int:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if check:
            raise OptoutError(f"Could not run {shlex.join(command)}: {exc}.") from exc
        return 1
    if check and done.returncode != 0:
        raise OptoutError(f"{shlex.join(command)} failed: {done.stderr.strip() or done.returncode}.")
    return done.returncode


def _crontab() -> str:
    done = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else ""


def _crontab_without_ours() -> str:
    return "".join(line + "\n" for line in _crontab().splitlines() if not line.endswith(CRON_MARK))


def _set_crontab(content: str) -> None:
    done = subprocess.run(["crontab", "-"], input=content, capture_output=True, text=True)
    if done.returncode != 0:
        raise OptoutError(f"crontab refused the new table: {done.stderr.strip()}.")
