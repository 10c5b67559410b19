"""Accounts and their passwords: passwords in the OS keyring and nowhere else.

The account list (platform, account name, sign-in username) is not secret and lives in
`accounts.json` in the data folder; the password for each lives in the keyring under the service
`optout:<platform>`, and its authenticator (TOTP) secret, if any, under `optout:<platform>:totp`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import keyring
import keyring.errors
from filelock import FileLock, Timeout

from optout.domain.accounts import Account
from optout.domain.errors import BadInput, KeyringUnavailable
from optout.domain.targets import normalise_origin
from optout.store.files import data_dir, lock_path, read_json, write_json

# Backends that store nothing, or store secrets as plain text: never used, even when configured.
_REFUSED_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.pyfs.PlaintextKeyring",
}

REGISTRY_WAIT_S = 30.0
# How to install GNOME Keyring (the Secret Service) with each Linux package manager.
_GNOME_KEYRING = {"apt-get": "apt-get install gnome-keyring",
                  "dnf": "dnf install gnome-keyring",
                  "pacman": "pacman -S gnome-keyring",
                  "zypper": "zypper install gnome-keyring"}


def keyring_advice() -> str:
    """A concrete keyring backend for this system and how to get it, in a sentence or two."""
    if sys.platform == "darwin":
        return "macOS Keychain is the backend: sign in to your macOS user so it is unlocked."
    if sys.platform == "win32":
        return "Windows Credential Manager is the backend: run optout as your own Windows user."
    session = ("run optout in a D-Bus session with it unlocked by a passphrase you choose: "
               "`PASSPHRASE=... dbus-run-session -- sh -c 'printf %s \"$PASSPHRASE\" | "
               "gnome-keyring-daemon --unlock >/dev/null; optout COMMAND'` (COMMAND: what you "
               "meant to run, such as `practice --setup`).")
    if shutil.which("gnome-keyring-daemon"):  # installed: what is missing is its session
        first = "GNOME Keyring is installed but not reachable here: on a machine without a desktop, "
    else:
        sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
        install = next((sudo + line for tool, line in _GNOME_KEYRING.items() if shutil.which(tool)),
                       "install gnome-keyring with your package manager")
        first = (f"Use GNOME Keyring (the Secret Service): `{install}`; on a machine without a "
                 "desktop, ")
    return (first + session + " Or an encrypted file: `pip install keyrings.cryptfile` and "
            "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring (it asks for "
            "its password at every run, so it suits runs at a terminal, not schedules).")


DESKTOP_BUS = "unix:path=/run/user/"  # the session bus a desktop login gives every terminal


def keyring_session_bus() -> str | None:
    """The D-Bus session the keyring is reached through ('' where none is set), or None where
    the keyring is not the Secret Service (it needs no bus)."""
    import keyring
    if "secretservice" not in type(keyring.get_keyring()).__module__.lower():
        return None
    return os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")


def private_session_bus() -> str | None:
    """The D-Bus session the keyring is reached through, where it is this terminal's own (one
    `dbus-run-session` started) rather than the desktop's, which every terminal shares."""
    bus = keyring_session_bus()
    return bus if bus and not bus.startswith(DESKTOP_BUS) else None


def keyring_help() -> str:
    return ("No usable keyring backend was found, and optout never stores passwords in plain "
            "text. " + keyring_advice())


def require_keyring() -> keyring.backend.KeyringBackend:
    """The configured keyring backend, or KeyringUnavailable saying how to get one."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if name in _REFUSED_BACKENDS:
        raise KeyringUnavailable(keyring_help())
    return backend


def _service(platform: str, kind: str = "") -> str:
    return f"optout:{platform}" + (f":{kind}" if kind else "")


def _registry_path():
    return data_dir() / "accounts.json"


class KeyringSecrets:
    """Passwords and authenticator secrets read from the OS keyring."""

    def _get(self, service: str, name: str) -> str | None:
        require_keyring()
        try:
            return keyring.get_password(service, name)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"The keyring refused to give a stored secret: {exc}.") from exc

    def password(self, account: Account) -> str | None:
        return self._get(_service(account.platform), account.name)

    def totp_secret(self, account: Account) -> str | None:
        return self._get(_service(account.platform, "totp"), account.name)


class MemorySecrets:
    """Throwaway secrets held in memory (the demo, `login --verify`, tests)."""

    def __init__(self, passwords: dict[tuple[str, str], str],
                 totp: dict[tuple[str, str], str] | None = None):
        self._passwords = dict(passwords)
        self._totp = dict(totp or {})

    def password(self, account: Account) -> str | None:
        return self._passwords.get((account.platform, account.name))

    def totp_secret(self, account: Account) -> str | None:
        return self._totp.get((account.platform, account.name))


def store(account: Account, password: str | None, totp_secret: str | None = None) -> None:
    """Keep the secrets in the keyring (first) and the account in the registry (second).

    With no password (signed in by hand in a browser), any stored one is removed, so that an old
    password is never typed again.
    """
    require_keyring()
    # One lock around both: two logins of one account never pair one's password with the
    # other's origins.
    with _registry_lock():
        try:
            for kind, secret in (("", password), ("totp", totp_secret)):
                service = _service(account.platform, kind)
                if secret is not None:
                    keyring.set_password(service, account.name, secret)
                else:
                    _delete(service, account.name)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"The keyring refused to store a secret: {exc}.") from exc
        _register(account, password is not None, totp_secret is not None)


@contextmanager
def _registry_lock() -> Iterator[None]:
    """Held around every read-modify-write of accounts.json: two logins at once both stay."""
    try:
        with FileLock(lock_path("accounts"), timeout=REGISTRY_WAIT_S):
            yield
    except Timeout as exc:
        raise BadInput(f"Another optout command has been changing {_registry_path()} for "
                       f"{REGISTRY_WAIT_S:g} s; try again once it has finished.") from exc


def _registry() -> dict[str, dict[str, dict[str, Any]]]:
    """accounts.json, checked: BadInput naming it when it is not what optout writes there."""
    path = _registry_path()
    registry = read_json(path, {})
    for platform, entries in registry.items():
        if not isinstance(entries, dict) or not all(
                isinstance(entry, dict) and isinstance(entry.get("origins", []), list)
                for entry in entries.values()):
            raise BadInput(f"{path} does not hold what optout wrote there (at {platform!r}); "
                           "restore it from a backup, or move it aside and log in again (the "
                           "passwords are still in the keyring).")
    return registry


def _register(account: Account, password_stored: bool, totp_stored: bool) -> None:
    registry = _registry()
    registry.setdefault(account.platform, {})[account.name] = {
        "username": account.username,
        "origins": list(account.origins),
        "trusted": list(account.trusted),
        "details": dict(account.details),
        "stands_in": [list(pair) for pair in account.stands_in],
        "password_stored": password_stored,
        "totp_stored": totp_stored,
        "added": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_json(_registry_path(), registry)


def _delete(service: str, name: str) -> bool:
    try:
        keyring.delete_password(service, name)
    except keyring.errors.PasswordDeleteError:
        return False
    return True


def forget(account: Account) -> bool:
    """Delete the secrets and the registry entry; True if there was anything to delete."""
    require_keyring()
    with _registry_lock():
        found = _delete(_service(account.platform), account.name)
        found = _delete(_service(account.platform, "totp"), account.name) or found
        registry = _registry()
        if registry.get(account.platform, {}).pop(account.name, None) is not None:
            found = True
            if not registry[account.platform]:
                del registry[account.platform]
            write_json(_registry_path(), registry)
    return found


def platforms() -> list[str]:
    """Platforms with an account stored, in name order."""
    return sorted(_registry())


def accounts(platform: str) -> list[Account]:
    """Accounts stored for a platform, in name order."""
    entries = _registry().get(platform, {})
    return [_account(platform, name, entry) for name, entry in sorted(entries.items())]


def _account(platform: str, name: str, entry: dict[str, Any]) -> Account:
    origins = tuple(entry.get("origins", ()))
    if "trusted" not in entry:  # stored before credentials were bound to shipped origins
        from optout.recipe.trust import legacy_origins
        origins = legacy_origins(platform, origins)
    details = entry.get("details", {})
    # Only pairs whose stand-in the account is bound to, for an origin: an edited file never
    # widens it, nor stops its runs.
    stands_in = tuple((str(pair[0]), str(pair[1])) for pair in entry.get("stands_in", ())
                      if isinstance(pair, list) and len(pair) == 2 and pair[1] in origins
                      and _is_origin(str(pair[0])))
    return Account(platform, name, entry.get("username"), origins,
                   tuple(entry.get("trusted", ())),
                   tuple(sorted(details.items())) if isinstance(details, dict) else (), stands_in)


def _is_origin(value: str) -> bool:
    try:
        return normalise_origin(value) == value.rstrip("/")
    except BadInput:
        return False
