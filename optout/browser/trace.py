"""Recordings to replay: a Playwright trace per account (`--trace DIR`), secrets scrubbed.

A trace keeps every action with its arguments (the text typed into a field included) and DOM
snapshots with the values of inputs. Before it is written where the person asked, every text entry
of the archive passes through the redactor, so no password, code or authenticator secret (in any
of the forms it takes) is in it. `playwright show-trace FILE` opens it.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import zipfile
from pathlib import Path

from playwright.async_api import BrowserContext

from optout.redact import redact
from optout.store.files import private_dir, write_private


def trace_path(folder: Path, platform: str, account: str) -> Path:
    return folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", f"{platform}-{account}") + ".zip")


async def start(context: BrowserContext) -> None:
    await context.tracing.start(screenshots=True, snapshots=True)


async def stop(context: BrowserContext, path: Path) -> Path:
    """Stop the context's trace and write it, scrubbed, to `path` (mode 0600)."""
    with tempfile.TemporaryDirectory(prefix="optout-trace-") as scratch:
        raw = Path(scratch) / "raw.zip"
        await context.tracing.stop(path=raw)
        private_dir(path.parent)
        return write_private(path, scrubbed(raw))


def scrubbed(archive: Path) -> bytes:
    """The trace archive with every registered secret masked in each of its text entries."""
    out = Path(archive.parent) / "scrubbed.zip"
    with zipfile.ZipFile(archive) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            with contextlib.suppress(UnicodeDecodeError):  # an image: left as it is
                data = redact(data.decode("utf-8")).encode("utf-8")
            target.writestr(entry.filename, data)
    return out.read_bytes()
