"""The proof: one self-contained HTML page of every setting, its state, when it was switched off
and verified, the resets the platform made, and the evidence screenshots embedded.

It opens with a summary table, then one group per platform and account (readings at another
origin, or of an account forgotten since, are shown apart: they prove nothing about the account
as it is). Every evidence file it draws on is listed with its SHA-256, and a `.sha256` file
beside the report (`sha256sum -c` reads it) holds those and the report's own.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from optout import __version__
from optout.domain.errors import BadInput
from optout.store import credentials
from optout.store.files import data_dir, write_private
from optout.store.history import History

EVIDENCE_FILES = ("screenshot", "snapshot", "record")


@dataclass(frozen=True)
class Written:
    """A report on disk: its hash, and the file of hashes beside it."""

    sha256: str
    sums: Path


def _embedded(path: str | None) -> str | None:
    """The screenshot as a data: URL, so the page stands alone; None if the file is gone."""
    if not path or not Path(path).is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


# A control's line in Playwright's ARIA snapshot; it marks a checked one `[checked]` and says
# nothing of an unchecked one, so the report says both in words.
_CONTROL_LINE = re.compile(
    r'^(\s*- (?:switch|checkbox|radio|menuitemcheckbox|menuitemradio) "(?:[^"\\]|\\.)*")(.*)$')


def with_state_words(snapshot: str) -> str:
    """The snapshot with each switch's, checkbox's and radio's state written after it."""
    lines = []
    for line in snapshot.splitlines():
        match = _CONTROL_LINE.match(line)
        if match:
            attributes = match[2]
            word = ("mixed" if "[checked=mixed]" in attributes else
                    "on" if "[checked]" in attributes else "off")
            line = f"{line}  # {word}"
        lines.append(line)
    return "\n".join(lines)


def _stored_origins() -> dict[tuple[str, str], tuple[str, ...]]:
    """Where each stored account's credentials may be used, by (platform, account)."""
    found = {}
    for platform in credentials.platforms():
        for account in credentials.accounts(platform):
            found[(platform, account.name)] = account.origins
    return found


def _stale(origin: str, forgotten: bool, stored_origins: tuple[str, ...] | None) -> str | None:
    """Why readings say nothing of the account as it is now; None if they do. (A reading is
    never set apart for a later one elsewhere: that could hide a real site's drift.)"""
    if forgotten:
        return "the account was forgotten after these readings"
    if origin and stored_origins and origin not in stored_origins:
        return f"read at {origin}, where the stored account does not sign in"
    return None  # (no origin: read before optout kept where; never set apart for that)


def gather(history: History, account: str | None = None,
           accounts: set[tuple[str, str, str]] | None = None) -> list[dict[str, Any]]:
    """One entry per platform, account, setting and origin, for the report; with `accounts`,
    only those (platform, account, origin) triples. Readings made before an account was
    forgotten are an entry of their own; entries that no longer speak for the account carry
    why in `stale`."""
    forgotten, stored = history.forgotten(), _stored_origins()

    def before_forgotten(platform: str, name: str, observation_id: int) -> bool:
        return observation_id <= forgotten.get((platform, name), 0)

    # Keyed by origin too: a practice or test server's readings never stand for the real site's.
    by_setting: dict[tuple[str, str, str, str, bool], list[dict]] = defaultdict(list)
    for row in history.timeline(account=account):
        if accounts is None or (row["platform"], row["account"], row["origin"]) in accounts:
            by_setting[(row["platform"], row["account"], row["setting"], row["origin"],
                        before_forgotten(row["platform"], row["account"], row["id"]))].append(row)
    resets: dict[tuple[str, str, str, str, bool], list[dict]] = defaultdict(list)
    for reset in history.resets(account=account):
        resets[(reset["platform"], reset["account"], reset["setting"], reset["origin"],
                before_forgotten(reset["platform"], reset["account"],
                                 reset["observation_id"]))].append(reset)
    entries = []
    for key, rows in sorted(by_setting.items()):
        platform, name, setting, origin, was_forgotten = key
        latest = rows[-1]
        verified = [r for r in rows if r["verified"]]
        switched = [r for r in verified if r["status"] == "changed"]
        proof = verified[-1] if verified else None
        evidence = (proof or {}).get("evidence") or {}
        state = latest["after"] or latest["before"]
        # Found in the other state since: the page as it was then, beside the last proof.
        drift = ((latest.get("evidence") or {})
                 if state is not None and state != latest["desired"] else {})
        snapshot = Path(evidence["snapshot"]) if evidence.get("snapshot") else None
        entries.append({
            "platform": platform, "account": name, "setting": setting, "origin": origin,
            "practice": latest["practice"], "title": latest["title"],
            "desired": latest["desired"], "state": state,
            "status": latest["status"], "last_checked": latest["time"],
            "switched": switched[-1]["time"] if switched else None,
            "last_verified": proof["time"] if proof else None,
            "screenshot": _embedded(evidence.get("screenshot")),
            "outlined": evidence.get("outlined") == "yes",
            "drift_screenshot": _embedded(drift.get("screenshot")),
            # A form's proof: what the platform showed when it accepted it.
            "confirmation": evidence.get("confirmation"), "reference": evidence.get("reference"),
            "objection": evidence.get("objection"),
            "snapshot": (with_state_words(snapshot.read_text()) if snapshot and snapshot.is_file()
                         else None),
            "resets": resets.get(key, []), "observations": rows,
            "evidence_files": [path for found in (evidence, drift) for part in EVIDENCE_FILES
                               if (path := found.get(part)) and Path(path).is_file()],
            "stale": _stale(origin, was_forgotten, stored.get((platform, name))),
        })
    return entries


def manifest(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(path, SHA-256) of every evidence file the entries draw on, by path."""
    paths = sorted({path for entry in entries for path in entry["evidence_files"]})
    return [(path, hashlib.sha256(Path(path).read_bytes()).hexdigest()) for path in paths]


def render_html(entries: list[dict[str, Any]], account: str | None = None,
                hashes: list[tuple[str, str]] | None = None) -> str:
    """The report's page; `hashes` is `manifest(entries)` when the caller has it already."""
    environment = Environment(loader=PackageLoader("optout.output", "templates"),
                              autoescape=select_autoescape(["html"]))
    environment.filters["when"] = lambda iso: iso.replace("T", " ").replace("+00:00", " UTC")
    current = [e for e in entries if not e["stale"]]
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for entry in current:
        groups[(entry["platform"], entry["account"], entry["origin"])].append(entry)
    return environment.get_template("report.html").render(
        current=current, groups=groups, stale=[e for e in entries if e["stale"]],
        manifest=manifest(entries) if hashes is None else hashes, account=account, version=__version__,
        generated=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def write_report(target: Path, entries: list[dict[str, Any]],
                 account: str | None = None) -> Written:
    """Write the report and, beside it, `<name>.sha256`: every evidence file's hash and the
    report's, by paths relative to the report's folder, in the form `sha256sum -c` checks there.
    Evidence kept outside that folder is copied into its `evidence/`, so the folder is the proof:
    moved or sent, it checks; a file changed in it does not."""
    hashes = [(str(_beside(Path(path), target.parent)), sha256)
              for path, sha256 in manifest(entries)]
    html = render_html(entries, account, hashes)
    try:
        write_private(target, html)
    except OSError as exc:
        raise BadInput(f"Cannot write the report to {target} ({exc.strerror}); give another "
                       "file with --html.") from exc
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    lines = [f"{sha256}  {path}" for path, sha256 in hashes]
    lines.append(f"{digest}  {target.name}")
    sums = target.with_name(target.name + ".sha256")
    try:
        write_private(sums, "\n".join(lines) + "\n")
    except OSError as exc:
        raise BadInput(f"Cannot write {sums} beside the report ({exc.strerror}).") from exc
    return Written(digest, sums)


def _beside(evidence: Path, folder: Path) -> Path:
    """`evidence`'s path relative to `folder`, copied into `folder/evidence/` when it is not in
    it already (as it sits under the data folder's evidence, else by its last four parts)."""
    evidence, folder = evidence.resolve(), folder.resolve()
    if evidence.is_relative_to(folder):
        return evidence.relative_to(folder)
    kept = data_dir().resolve() / "evidence"
    inner = (evidence.relative_to(kept) if evidence.is_relative_to(kept)
             else Path(*evidence.parts[-4:]))
    copy = folder / "evidence" / inner
    try:
        write_private(copy, evidence.read_bytes())
    except OSError as exc:
        raise BadInput(f"Cannot copy the evidence to {copy} ({exc.strerror}); give another "
                       "file with --html.") from exc
    return copy.relative_to(folder)
