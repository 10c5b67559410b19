"""The practice platform as a person keeps using it (`optout practice`, `optout demo`): the same
ports and users at every start, and each user's settings kept in the data folder between starts,
as a real platform keeps them, so the history reads the same origin and no false reset."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from optout.domain.errors import BadInput
from optout.practice.server import PracticePlatform
from optout.practice.world import REALISTIC, World
from optout.store.files import data_dir, write_private

PRACTICE_PORT = 8700


def practice_password(platform: str) -> str:
    """Public on purpose: a throwaway sign-in to a twin on this machine, printed by `optout
    practice` so a person can sign in by hand too, and the same at every start."""
    return f"practice-{platform}"


def settings_file() -> Path:
    return data_dir() / "practice" / "settings.json"


def serving() -> list[int]:
    """The processes serving a practice platform now (each notes itself while it serves): a
    reset meanwhile would be undone when they stop and save their twins' settings."""
    alive = []
    for mark in settings_file().parent.glob("serving.*"):
        try:
            pid = int(mark.suffix[1:])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            mark.unlink(missing_ok=True)  # left by a process that is gone
            continue
        except PermissionError:
            pass  # another user's process: alive
        alive.append(pid)
    return alive


def _kept() -> dict[str, dict[str, bool]]:
    try:
        kept = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or damaged: practice starts as a new platform
        return {}
    return kept if isinstance(kept, dict) else {}


@contextmanager
def kept_practice(port: int = PRACTICE_PORT, *,
                  any_port_if_taken: bool = False) -> Iterator[PracticePlatform]:
    """The practice platform with real pages' habits (beacons, a long-poll, a WebSocket, a cookie
    dialog) on `port` and the ones after it; its users' settings are saved when it stops."""
    world = World(everyone=REALISTIC, kept_settings=_kept())
    try:
        practice = PracticePlatform(world, port=port)
    except OSError as exc:
        if not any_port_if_taken:
            raise BadInput(f"Port {port} or one of the few after it is in use ({exc.strerror}); "
                           "stop what uses it, or give another first port with --port.") from exc
        practice = PracticePlatform(world)  # another practice is running: any free ports
    mark = settings_file().parent / f"serving.{os.getpid()}"
    mark.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    mark.touch()
    try:
        with practice:
            yield practice
    finally:  # once it stopped serving; with what another start saved meanwhile kept too
        mark.unlink(missing_ok=True)
        settings_file().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(f"{settings_file()}.lock"):
            kept = {**_kept(), **world.all_settings()}
            write_private(settings_file(), json.dumps(kept, indent=2))
