"""Sending a form at most once, whatever runs at once.

Two runs of the same account (a schedule and a person, two terminals) must never both send an
objection. A file lock per account, origin and form is held around "was it sent? send it, note
it": the second run waits, then reads that the first one sent it. The note is kept in the history
the moment the form leaves, before the platform answers, so a run that dies in between never lets
it be sent again either.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from optout.domain.errors import SettingFailure
from optout.domain.job import Submitted
from optout.store.files import lock_path
from optout.store.history import History

LOCK_WAIT_S = 120.0  # longer than one form's fill, send and confirmation


class FormLedger:
    """The history's record of sent forms, read and written under a lock per form."""

    def __init__(self, history_path: Path | None = None):
        self.history_path = history_path

    @asynccontextmanager
    async def sending(self, platform: str, account: str, origin: str, person: str,
                      setting: str) -> AsyncIterator[FormSending]:
        """Hold the form's lock (one per person, whatever account name they run under); what it
        yields knows how the form was sent before, read afresh under the lock, and notes this
        sending."""
        sender = f"person:{person}" if person else f"account:{account}"
        key = hashlib.sha256("\0".join((platform, sender, origin, setting)).encode()).hexdigest()
        lock = FileLock(lock_path(f"form-{key[:24]}"), thread_local=False)
        try:
            await asyncio.to_thread(lock.acquire, timeout=LOCK_WAIT_S)
        except Timeout as exc:
            raise SettingFailure(
                f"Another optout run has been sending this form for {account!r} for "
                f"{LOCK_WAIT_S:g} s; nothing was sent. Run again once it has finished.") from exc
        try:
            yield await asyncio.to_thread(FormSending, self.history_path,
                                          (platform, account, origin, person), setting)
        finally:
            lock.release()


class FormSending:
    """One form, under its lock: how it went before, and what becomes of it now."""

    def __init__(self, history_path: Path | None, where: tuple[str, str, str, str],
                 setting: str):
        self.history_path = history_path
        self.where, self.setting = where, setting
        with History(history_path) as history:
            self.earlier: Submitted | None = history.submissions(*where).get(setting)
        self._sent_id: int | None = None

    async def left(self) -> None:
        """The form is about to leave the page: from now on it is never sent again by itself,
        unless `answered` says it never left or was refused. (SQLite off the event loop.)"""
        self._sent_id = await asyncio.to_thread(self._note_sent)

    def _note_sent(self) -> int:
        with History(self.history_path) as history:
            platform, account, origin, person = self.where
            return history.note_form_sent(platform, account, origin, self.setting, person)

    async def answered(self, *, confirmed: bool, reference: str | None = None) -> None:
        """The platform's answer: confirmed (with its reference), or refused or never sent (it
        may be sent again later); without one it stays sent, unconfirmed."""
        if self._sent_id is not None:
            await asyncio.to_thread(self._note_answer, self._sent_id, confirmed, reference)

    def _note_answer(self, sent_id: int, confirmed: bool, reference: str | None) -> None:
        with History(self.history_path) as history:
            history.note_form_answer(sent_id, confirmed, reference)
