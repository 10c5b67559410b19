"""Recordings to replay: a Playwright trace per account (`--trace DIR`), secrets scrubbed.

A trace keeps every action with its arguments (the text typed into a field included) and DOM
snapshots with the values of inputs. Before it is written where the person asked, every text entry
of the archive passes through the redactor, so no password, code or authenticator secret (in any
of the forms it takes) is in it. Nor is the session: a session cookie is the account without its
password or second factor, and a trace is made to be attached to a bug report. Every cookie's and
stored token's value (those the context holds at the end, and every one a request, a response or
a storage-state result in the trace names), and every credential-like header's, is masked. What is
left names the account (its username, the profile's details in forms). `playwright show-trace
FILE` opens it.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext

from optout.redact import MASK, Redactor, redact
from optout.store.files import private_dir, write_private


def trace_path(folder: Path, platform: str, account: str) -> Path:
    return folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", f"{platform}-{account}") + ".zip")


async def start(context: BrowserContext) -> None:
    await context.tracing.start(screenshots=True, snapshots=True)


# Headers whose values are the session or stand in for it.
SESSION_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization", "x-csrf-token",
                   "csrf-token", "x-xsrf-token", "x-csrftoken"}
SHORTEST_TOKEN = 8  # shorter stored values ("true", "1") are settings, not tokens


async def stop(context: BrowserContext, path: Path) -> Path:
    """Stop the context's trace and write it, scrubbed, to `path` (mode 0600)."""
    session = Redactor()
    state = await context.storage_state()
    for value in [c["value"] for c in state["cookies"]] + [
            item["value"] for origin in state["origins"] for item in origin["localStorage"]]:
        if len(value) >= SHORTEST_TOKEN:
            session.add(value)
    with tempfile.TemporaryDirectory(prefix="optout-trace-") as scratch:
        raw = Path(scratch) / "raw.zip"
        await context.tracing.stop(path=raw)
        private_dir(path.parent)
        return write_private(path, scrubbed(raw, session))


def scrubbed(archive: Path, session: Redactor | None = None) -> bytes:
    """The trace archive with every registered secret, and the session, masked in each of its
    text entries."""
    out = Path(archive.parent) / "scrubbed.zip"
    session = session or Redactor()
    with zipfile.ZipFile(archive) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        texts: dict[str, str] = {}
        for entry in source.infolist():
            with contextlib.suppress(UnicodeDecodeError):  # an image: left as it is
                texts[entry.filename] = source.read(entry).decode("utf-8")
                _without_session(texts[entry.filename], session)  # learn every value first
        for entry in source.infolist():
            text = texts.get(entry.filename)
            data = (source.read(entry) if text is None
                    else redact(_without_session(text, session)).encode("utf-8"))
            target.writestr(entry.filename, data)
    return out.read_bytes()


def _without_session(text: str, session: Redactor) -> str:
    """Cookie, stored-token and session-header values masked: in the JSON lines of the trace's
    events (each value wherever it is named), then anywhere else they appear."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        lines[number] = json.dumps(_masked(event, session, under=""))
    return session("\n".join(lines))


def _masked(node: Any, session: Redactor, under: str) -> Any:
    """`node` with the session's values masked, noting each value it masks for the rest of the
    archive (a cookie set mid-run and gone by the end is still masked everywhere)."""
    if isinstance(node, list):
        return [_masked(item, session, under) for item in node]
    if not isinstance(node, dict):
        return node
    named = str(node.get("name", "")).casefold()
    if "value" in node and isinstance(node["value"], str) and (
            under in ("cookies", "localstorage") or named in SESSION_HEADERS):
        if len(node["value"]) >= SHORTEST_TOKEN:
            session.add(node["value"])
        return {**node, "value": MASK}
    return {key: _masked(value, session, key.casefold()) for key, value in node.items()}
