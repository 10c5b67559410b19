"""`optout doctor`: what a run needs, each part tried for real, with a fix for what is wrong.

The browser is launched, the keyring is written to and read back (a probe entry, removed), the
data folder's permissions are read, the scheduler is asked what it has, and the recipes are
loaded, so "ok" means the part worked just now, not that it merely looks present.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from optout.app.runner import run_sync
from optout.domain.errors import OptoutError
from optout.recipe import Recipe


@dataclass(frozen=True)
class Check:
    part: str
    ok: bool
    found: str  # what was found, in a sentence
    fix: str = ""  # what to do, when not ok

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def browser(explicit: str | None = None) -> Check:
    from playwright.async_api import async_playwright

    from optout.browser.launch import find_browser, launch

    async def start() -> tuple[str, str]:
        async with async_playwright() as playwright:
            path = find_browser(playwright, explicit, headless=True)  # the one launch() starts
            started = await launch(playwright, explicit=explicit)
            version = started.version
            await started.close()
            return path, version

    try:
        path, version = run_sync(start())
    except OptoutError as exc:
        return Check("browser", False, str(exc).split(". ")[0] + ".",
                     "Install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`), Google "
                     "Chrome, or Playwright's own (`playwright install chromium`); or name one "
                     "with --browser PATH or OPTOUT_BROWSER.")
    return Check("browser", True, f"{path} (version {version}) starts headless.")


def keyring_backend() -> Check:
    import keyring

    from optout.store import credentials
    try:
        backend = credentials.require_keyring()
    except OptoutError:
        return Check("keyring", False, "No usable keyring backend.", credentials.keyring_advice())
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    probe, value = "optout:doctor", secrets.token_hex(8)  # no secret: a random word, removed
    try:
        keyring.set_password(probe, "probe", value)
        try:
            read = keyring.get_password(probe, "probe")
        finally:
            with contextlib.suppress(Exception):  # the probe never stays behind
                keyring.delete_password(probe, "probe")
    except EOFError:  # it asked for its password, and nobody can answer here
        return Check("keyring", False, f"{name} asks for its password and there is no terminal "
                     "to type it in.", "Run optout in a terminal, or use a keyring that "
                     "unlocks with your session. " + credentials.keyring_advice())
    except Exception as exc:  # any backend's own error: locked, no D-Bus, denied
        return Check("keyring", False, f"{name} is chosen but could not store an entry "
                     f"({type(exc).__name__}: {str(exc)[:120]}).",
                     "Unlock it (or start its daemon). Otherwise: " + credentials.keyring_advice())
    if read != value:
        return Check("keyring", False, f"{name} did not give back what was stored in it.",
                     credentials.keyring_advice())
    return Check("keyring", True, f"{name} stores and gives back an entry.")


def data_folder(folder: Path) -> Check:
    if not folder.exists():
        return Check("data folder", True, f"{folder} is not created yet; optout makes it "
                     "private (owner only) when it first writes there.")
    if sys.platform == "win32":
        return Check("data folder", True, f"{folder} exists (its access is Windows' own: "
                     "your user profile).")
    exposed = [path for path in [folder, *folder.rglob("*")] if _open_to_others(path)]
    if exposed:
        shown = ", ".join(str(p) for p in exposed[:3]) + (" ..." if len(exposed) > 3 else "")
        return Check("data folder", False, f"{len(exposed)} of its files or folders can be read "
                     f"by other users: {shown}.", f"`chmod -R go-rwx {folder}`")
    return Check("data folder", True, f"{folder}: only you can read it.")


def _open_to_others(path: Path) -> bool:
    try:
        return not path.is_symlink() and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except FileNotFoundError:  # a run's temporary file, gone meanwhile
        return False


def scheduler() -> Check:
    from optout.app import schedule
    system = schedule.detect_system()
    tool = schedule.TOOLS[system]
    if not shutil.which(tool):
        return Check("scheduler", False, f"This machine's scheduler would be {system}, and there "
                     f"is no `{tool}` here, so no re-check can be scheduled.",
                     "Install cron (Debian/Ubuntu: `sudo apt-get install cron`), or run "
                     "`optout check --all` from a scheduler of your own.")
    present = schedule.installed(system)
    if present is None:
        return Check("scheduler", True, f"{system} is here; no re-check is scheduled (resets "
                     "are found only when you run `optout check`).",
                     "`optout schedule install --every 1d` re-checks daily.")
    missing = [name for name in ("PYTHON_KEYRING_BACKEND",) if os.environ.get(name)
               and name not in present]
    if missing:
        return Check("scheduler", False, f"A {system} re-check is installed without "
                     f"{', '.join(missing)}, so it cannot open the keyring you use.",
                     "`optout schedule install` again, from this shell, carries it.")
    return Check("scheduler", True, f"A {system} re-check is installed.")


def recipes(load: Callable[[], Mapping[str, Recipe]], folders: Iterable[Path]) -> Check:
    from optout.recipe.loading import recipe_files
    from optout.store.approvals import provenance

    try:
        found = dict(load())  # every one read and checked now
    except OptoutError as exc:
        return Check("recipes", False, str(exc), "Fix or remove that recipe file.")
    own = [str(folder) for folder in folders if folder.is_dir() and recipe_files(folder)]
    said = f"{len(found)} recipes load" + (f" (yours from {', '.join(own)})" if own else "") + "."
    unapproved = [p for p in map(provenance, found.values()) if not p.may_act]
    if unapproved:
        first = unapproved[0].recipe.file
        return Check("recipes", False, f"{said} Not optout's own and not approved, so they only "
                     f"read: {', '.join(str(p.recipe.file) for p in unapproved)}.",
                     f"Read and approve one with `optout recipes approve {first}`, or remove it.")
    return Check("recipes", True, said)
