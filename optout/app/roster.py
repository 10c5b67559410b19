"""Rosters for bulk runs: many accounts in one CSV or YAML file, checked before anything runs.

Each row names `platform`, `account` and `username`, and may name a `password_command` (a
password manager's command such as `pass show linkedin/ada`, run without a shell). A roster never
holds a password: it comes from the keyring or from that command. The optional `name`, `email`
and `country` are the member's details for objection forms.
"""

from __future__ import annotations

import csv
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from optout.domain.accounts import Account
from optout.domain.errors import BadInput, NeedsHuman
from optout.domain.profile import Profile
from optout.domain.targets import is_loopback
from optout.recipe import Recipe
from optout.recipe.names import did_you_mean, platform_of
from optout.recipe.trust import point_and_bind
from optout.redact import redact
from optout.store import credentials

COLUMNS = ("platform", "account", "username", "password_command", "name", "email", "country")
REQUIRED = COLUMNS[:3]
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
COMMAND_LIMIT_S = 30


@dataclass(frozen=True)
class Row:
    platform: str
    account: str
    username: str
    password_command: tuple[str, ...] = ()
    profile: Profile = Profile()  # the member's details for objection forms


# A roster's problems are named together, up to this many: a group fixes them in one go.
MOST_PROBLEMS = 10


def load(path: Path, recipes: Mapping[str, Recipe]) -> list[Row]:
    """Every row, checked; BadInput naming the row and column of each problem (up to ten)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is fine
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Cannot read the roster {path}: {exc}.") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        entries = _yaml_rows(path, text)
    elif path.suffix.lower() == ".csv":
        entries = _csv_rows(path, text)
    else:
        raise BadInput(f"The roster {path} must be a .csv or .yaml file.")
    rows, seen, problems = [], set(), []
    for where, entry in entries:
        try:
            row = _check(path, where, entry, recipes)
            if (row.platform, row.account) in seen:
                raise BadInput(f"{path}, {where}, column 'account': {row.platform} account "
                               f"{row.account!r} is already listed; give each account once.")
        except BadInput as problem:
            problems.append(str(problem))
            continue
        seen.add((row.platform, row.account))
        rows.append(row)
    if problems:
        more = len(problems) - MOST_PROBLEMS
        raise BadInput("\n".join(problems[:MOST_PROBLEMS]) + (
            f"\n… and {more} more problems." if more > 0 else ""))
    if not rows:
        raise BadInput(f"The roster {path} lists no accounts.")
    return rows


def _csv_rows(path: Path, text: str) -> list[tuple[str, dict]]:
    try:
        return _csv_rows_checked(path, text)
    except csv.Error as exc:
        raise BadInput(f"{path}: not a CSV file optout can read ({exc}).") from exc


def _csv_rows_checked(path: Path, text: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise BadInput(f"{path}, row 1: unknown column {unknown[0]!r}.{did_you_mean(unknown[0], COLUMNS)}"
                       f" The columns are {', '.join(COLUMNS)}.")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BadInput(f"{path}, row 1: column {missing[0]!r} is missing.")
    rows = []
    for number, entry in enumerate(reader, start=2):
        if None in entry:  # more fields than columns: a comma that belongs in quotes
            raise BadInput(f"{path}, row {number}: more fields than columns; quote a value "
                           "that holds a comma.")
        rows.append((f"row {number}", entry))
    return rows


def _yaml_rows(path: Path, text: str) -> list[tuple[str, dict]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"{path}: not valid YAML ({str(exc).splitlines()[0]}).") from exc
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise BadInput(f"{path}: a YAML roster is a list of entries, each with platform, account "
                       "and username.")
    for number, entry in enumerate(data, start=1):
        unknown = [key for key in entry if key not in COLUMNS]
        if unknown:
            raise BadInput(f"{path}, entry {number}: unknown column {unknown[0]!r}."
                           f"{did_you_mean(str(unknown[0]), COLUMNS)} The columns are "
                           f"{', '.join(COLUMNS)}.")
        nested = [key for key, value in entry.items() if isinstance(value, (list, dict))]
        if nested:
            raise BadInput(f"{path}, entry {number}, column {nested[0]!r}: give one value, "
                           "not a list or mapping (a command is one line of text).")
    return [(f"entry {number}", entry) for number, entry in enumerate(data, start=1)]


def _check(path: Path, where: str, entry: dict, recipes: Mapping[str, Recipe]) -> Row:
    values = {k: str(v).strip() if v is not None else "" for k, v in entry.items()}
    for column in REQUIRED:
        if not values.get(column):
            raise BadInput(f"{path}, {where}, column {column!r}: empty; every row needs it.")
    try:  # as on the command line: any case, former names (twitter), a slip named
        values["platform"] = platform_of(values["platform"], recipes)
    except BadInput as exc:
        raise BadInput(f"{path}, {where}, column 'platform': {exc}") from exc
    if not _ACCOUNT.fullmatch(values["account"]):
        raise BadInput(f"{path}, {where}, column 'account': {values['account']!r} may use only "
                       "letters, digits and . _ @ + - (starting with a letter or digit).")
    try:
        command = tuple(shlex.split(values.get("password_command", "")))
    except ValueError as exc:
        raise BadInput(f"{path}, {where}, column 'password_command': {exc}.") from exc
    try:
        profile = Profile(**{k: values.get(k) or None for k in ("name", "email", "country")})
    except ValidationError as exc:
        error = exc.errors()[0]
        raise BadInput(f"{path}, {where}, column {error['loc'][0]!r}: "
                       f"{error['msg'].removeprefix('Value error, ')}.") from exc
    return Row(values["platform"], values["account"], values["username"], command, profile)


class RosterSecrets:
    """Passwords from each row's password command, else the keyring; TOTP from the keyring.

    The commands run before the browser starts (`fetch`), so a slow password manager never holds
    up the engine's event loop and its deadlines.
    """

    def __init__(self, rows: Sequence[Row], *, run_commands: bool = True):
        self._commands = {(r.platform, r.account): r.password_command for r in rows
                          if r.password_command}
        self._fetched: dict[tuple[str, str], str | BadInput] = {}
        self._keyring = credentials.KeyringSecrets()
        # A roster's commands are code: a dry run, made to look before anything happens, runs
        # none (an account without a saved session then needs a real run).
        self._run_commands = run_commands

    def fetch(self) -> None:
        if not self._run_commands:
            return
        for (platform, account), command in self._commands.items():
            try:
                self._fetched[(platform, account)] = _run_command(platform, account, command)
            except BadInput as problem:  # that account fails; the others go on
                self._fetched[(platform, account)] = problem

    def password(self, account: Account) -> str | None:
        key = (account.platform, account.name)
        if key not in self._commands:
            return self._keyring.password(account)
        if not self._run_commands:
            raise NeedsHuman(f"{account.name}'s password comes from the roster's password "
                             "command, which a dry run does not run, and there is no saved "
                             "session to read with; run without --dry-run.")
        if key not in self._fetched:
            self._fetched[key] = _run_command(account.platform, account.name, self._commands[key])
        found = self._fetched[key]
        if isinstance(found, BadInput):
            raise found
        return found or None

    def totp_secret(self, account: Account) -> str | None:
        return self._keyring.totp_secret(account)


def _run_command(platform: str, account: str, command: tuple[str, ...]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_LIMIT_S,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BadInput(f"The password command for {platform} account {account!r} could not "
                       f"run: {exc}.") from exc
    if done.returncode != 0:
        raise BadInput(f"The password command for {platform} account {account!r} failed "
                       f"(exit {done.returncode}).")
    password = done.stdout.splitlines()[0] if done.stdout else ""
    redact.add(password)
    return password


def accounts(rows: Sequence[Row], recipes: Mapping[str, Recipe], targets: Mapping[str, str],
             trusted: Sequence[str] = (),
             stand_ins: Mapping[str, str] | None = None) -> list[Account]:
    """The roster's accounts, bound to the origins their passwords belong to.

    A keyring account keeps the origins it was stored for. A password command's password is bound
    as `optout login` binds one (recipe/trust.py): to the shipped recipe's origins, to `--origin`
    when the roster is pointed at a local test server on purpose (`targets`, by platform), or
    to `trusted` origins, and to the `stand_ins` typed beside it for the recipe's others.
    """
    for row in rows:
        origin = targets.get(row.platform)
        elsewhere = [o for o in [origin, *(stand_ins or {}).values()]
                     if o and not _on_this_machine(o)]
        if origin and row.password_command and elsewhere:
            raise BadInput(f"--origin {elsewhere[0]} is not on this machine: the roster's password "
                           "commands would send real passwords there. --origin with a roster is "
                           "for local test servers; store accounts for another origin with "
                           "`optout login --origin`.")
    out = []
    for row in rows:
        origin = targets.get(row.platform)
        stored = credentials.accounts(row.platform)
        known = next((a for a in stored if a.name == row.account), None)
        recipe = recipes[row.platform]
        if recipe.per_site and not origin:
            # Its site is known only from `optout login --origin`; never the recipe's example.
            if known is None:
                raise BadInput(f"{recipe.name} account {row.account!r}: each {recipe.name} account "
                               f"has its own site; store it first with `optout login "
                               f"{row.platform} --account {row.account} --origin https://…`.")
            origins, approved, stands_in = known.origins, known.trusted, known.stands_in
        elif row.password_command or known is None:
            _, origins, stands_in = point_and_bind(recipe, origin, stand_ins, trusted)
            approved = tuple(o for o in origins if o in trusted)
        else:
            origins, approved, stands_in = known.origins, known.trusted, known.stands_in
        out.append(Account(row.platform, row.account, row.username, origins, approved,
                           stands_in=stands_in))
    return out


def _on_this_machine(origin: str) -> bool:
    return is_loopback(urlsplit(origin).hostname or "")
