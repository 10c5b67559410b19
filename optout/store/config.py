"""The config file: TOML in the user's config folder (or OPTOUT_CONFIG).

    notify = ["mailto://me:app-password@gmail.com"]   # Apprise URLs told of resets and failures

    [accounts]            # the accounts run and check use when --account is not given
    linkedin = "work"

    [schedule]            # defaults for `optout schedule install`
    every = "1d"
    fix = true

    [profile]             # what objection forms ask for (`optout profile`)
    name = "Ada Lovelace"
    email = "ada@example.com"
    country = "United Kingdom"
    objection = "..."     # optional: your own objection text instead of the recipe's
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Literal

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from optout.domain.errors import BadInput
from optout.domain.profile import Profile
from optout.store.files import write_private

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    # mypy checks as for 3.10 under any Python, and tomli is installed only under 3.10.
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

Every = Literal["12h", "1d", "7d"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleDefaults(_Strict):
    every: Every = "1d"
    fix: bool = False


class Config(_Strict):
    notify: list[str] = Field(default_factory=list)
    accounts: dict[str, str] = Field(default_factory=dict)
    schedule: ScheduleDefaults = ScheduleDefaults()
    profile: Profile = Profile()
    # Objection forms go in the person's name: only when they said so (here, --send-forms, or
    # yes at the terminal).
    send_forms: bool = False


def config_path() -> Path:
    env = os.environ.get("OPTOUT_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir("optout")) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """The config, or the defaults if there is no file; BadInput saying what is wrong if broken."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"{path}: not a readable TOML file ({exc}).") from exc
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise BadInput(f"{path}: {where}: {error['msg']}.") from exc


def add_notify_urls(urls: list[str], path: Path | None = None) -> Path:
    """Add notification URLs to the config file (kept private: they may hold tokens)."""
    config = load_config(path)
    return _save(config.model_copy(update={"notify": list(dict.fromkeys([*config.notify, *urls]))}),
                 path)


def update_profile(changes: dict[str, str], path: Path | None = None) -> Profile:
    """Change some profile fields in the config file; the others are kept."""
    config = load_config(path)
    try:
        profile = Profile.model_validate({**config.profile.model_dump(), **changes})
    except ValidationError as exc:
        error = exc.errors()[0]
        raise BadInput(f"--{error['loc'][0]}: {error['msg'].removeprefix('Value error, ')}.") from exc
    _save(config.model_copy(update={"profile": profile}), path)
    return profile


def _save(config: Config, path: Path | None) -> Path:
    path = path or config_path()
    write_private(path, tomli_w.dumps(config.model_dump(exclude_defaults=True, exclude_none=True)))
    return path
