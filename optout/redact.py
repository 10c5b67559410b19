"""Keeping secrets out of everything the tool writes or prints.

Every password and secret the engine handles is registered here first; evidence, results and log
records pass through `redact` before they leave the process.
"""

from __future__ import annotations

import logging
import threading

MASK = "••••••"


class Redactor:
    """Replaces registered secrets in any text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        # Very short strings would mask ordinary words; no real password is that short.
        if secret and len(secret) >= 4:
            with self._lock:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, MASK)
        return text


redact = Redactor()


class RedactingFormatter(logging.Formatter):
    """Masks registered secrets in whole log lines, tracebacks included, so --debug never shows one."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
