"""The proof: one self-contained HTML page of every setting, its state, when it was switched off
and verified, the resets the platform made, and the evidence screenshots embedded."""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from optout import __version__
from optout.store.history import History


def _embedded(path: str | None) -> str | None:
    """The screenshot as a data: URL, so the page stands alone; None if the file is gone."""
    if not path or not Path(path).is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def gather(history: History, account: str | None = None,
           accounts: set[tuple[str, str, str]] | None = None) -> list[dict[str, Any]]:
    """One entry per platform, account and setting, for the report; with `accounts`, only those
    (platform, account, origin) triples, so a test server's readings never prove a real one."""
    # Keyed by origin too: a practice or test server's readings never stand for the real site's.
    by_setting: dict[tuple[str, str, str, str], list[dict]] = defaultdict(list)
    for row in history.timeline(account=account):
        if accounts is None or (row["platform"], row["account"], row["origin"]) in accounts:
            by_setting[(row["platform"], row["account"], row["setting"], row["origin"])].append(row)
    resets: dict[tuple[str, str, str, str], list[dict]] = defaultdict(list)
    for reset in history.resets(account=account):
        observed = history.observation(reset["observation_id"])
        resets[(reset["platform"], reset["account"], reset["setting"],
                observed["origin"])].append(reset)
    entries = []
    for key, rows in sorted(by_setting.items()):
        latest = rows[-1]
        verified = [r for r in rows if r["verified"]]
        switched = [r for r in verified if r["status"] == "changed"]
        proof = verified[-1] if verified else None
        evidence = (proof or {}).get("evidence") or {}
        snapshot = Path(evidence["snapshot"]) if evidence.get("snapshot") else None
        entries.append({
            "platform": key[0], "account": key[1], "setting": key[2], "origin": key[3],
            "title": latest["title"],
            "desired": latest["desired"], "state": latest["after"] or latest["before"],
            "status": latest["status"], "last_checked": latest["time"],
            "switched": switched[-1]["time"] if switched else None,
            "last_verified": proof["time"] if proof else None,
            "screenshot": _embedded(evidence.get("screenshot")),
            # A form's proof: what the platform showed when it accepted it.
            "confirmation": evidence.get("confirmation"), "reference": evidence.get("reference"),
            "snapshot": snapshot.read_text() if snapshot and snapshot.is_file() else None,
            "resets": resets.get(key, []), "observations": rows,
        })
    return entries


def render_html(entries: list[dict[str, Any]], account: str | None = None) -> str:
    environment = Environment(loader=PackageLoader("optout.output", "templates"),
                              autoescape=select_autoescape(["html"]))
    environment.filters["when"] = lambda iso: iso.replace("T", " ").replace("+00:00", " UTC")
    return environment.get_template("report.html").render(
        entries=entries, account=account, version=__version__,
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"))
