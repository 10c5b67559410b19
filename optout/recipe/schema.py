"""The recipe schema: what a recipe may say, checked on load.

A recipe is a YAML file of data only: it can ask the engine for the steps the engine knows and
nothing else, so a recipe written by a stranger is safe to load. Every recipe is validated on load;
a broken one is reported with its file, line and problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from optout.domain.errors import BadInput
from optout.domain.identity import Identity
from optout.domain.targets import (
    Strict,
    Target,
    Targets,
    as_targets,
    normalise_origin,
    paths_start_with_slash,
)
from optout.kinds import AnySetting

# {name} in a setting's path: an account detail (see Recipe.account_details).
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_DETAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class Challenge(Strict):
    """A page the platform may show after the password, and how to get past it."""

    kind: Literal["totp", "code", "security_check"] = Field(
        description="totp: the engine enters the authenticator code; code: a code sent by email "
        "or SMS, asked from the person; security_check: a CAPTCHA or similar, never solved by "
        "the tool, handed to the person."
    )
    when: Targets = Field(description="What on the page shows that this challenge is asked.")
    code: list[Target] = Field(default_factory=list, description="The field the code goes in.")
    submit: list[Target] = Field(default_factory=list)
    rejected: list[Target] = Field(default_factory=list, description="What a refused code shows.")

    _single = field_validator("when", "code", "submit", "rejected", mode="before")(as_targets)

    @model_validator(mode="after")
    def _needs_a_field(self) -> Challenge:
        if self.kind != "security_check" and not (self.code and self.submit):
            raise ValueError(f"a {self.kind} challenge needs code and submit targets")
        return self


class SignIn(Strict):
    origin: str | None = Field(
        default=None, description="Where the sign-in page is, when not on the recipe's origin "
        "(one of its allowed_origins).")
    path: str = Field(description="Path of the sign-in page.")
    pages: list[str] = Field(
        default_factory=list,
        description="Path prefixes that mean 'this is the sign-in flow' (path is always included).",
    )
    by_hand: bool = Field(
        default=False, description="The person signs in themselves (`optout login PLATFORM "
        "--by-hand`, or their own browser with --cdp): the platform refuses automated sign-ins, "
        "or its sign-in page is not described by public evidence. optout never types there.")
    username: list[Target] = Field(default_factory=list)
    next: list[Target] = Field(
        default_factory=list,
        description="The button between username and password, on sites that ask for them on "
        "two steps.")
    password: list[Target] = Field(
        default_factory=list,
        description="None on passwordless sites: `next` sends a code that a challenge asks for.")
    submit: list[Target] = Field(default_factory=list)
    rejected: list[Target] = Field(
        default_factory=list, description="What the page shows when the password is refused."
    )
    challenges: list[Challenge] = Field(default_factory=list)

    @model_validator(mode="after")
    def _password_or_code(self) -> SignIn:
        if self.by_hand:
            return self
        if not self.username:
            raise ValueError("sign_in needs a username target (or by_hand: true)")
        if self.password and not self.submit:
            raise ValueError("a password needs a submit button")
        if not self.password and not (self.next and any(c.kind == "code" for c in self.challenges)):
            raise ValueError("without a password, sign-in needs `next` (the button that sends a "
                             "code) and a challenge of kind code")
        return self

    @property
    def passwordless(self) -> bool:
        return not self.password

    _single = field_validator("username", "next", "password", "submit", "rejected",
                              mode="before")(as_targets)

    _paths = field_validator("path", "pages")(paths_start_with_slash)

    def sign_in_paths(self) -> list[str]:
        return [self.path, *self.pages]


class LeftAlone(Strict):
    """A control on a recipe's pages that speaks of AI but is deliberately not switched, and why,
    so that `scan` does not report it as new."""

    control: Target
    why: str


class Recipe(Strict):
    platform: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    origin: str
    allowed_origins: list[str] = Field(default_factory=list)
    sign_in: SignIn | None = Field(
        default=None, description="How to sign in; only a recipe whose settings are all done "
        "by hand (`type: manual`) has none.")
    settings: Annotated[list[AnySetting], Field(min_length=1)]
    identity: Identity | None = Field(
        default=None, description="Where the platform shows who is signed in: a fresh read on "
        "another person's account is failed, never verified.")
    sensitive: list[Target] = Field(
        default_factory=list, description="Fields masked in screenshots besides password inputs."
    )
    left_alone: list[LeftAlone] = Field(default_factory=list)
    consent: list[Target] = Field(
        default_factory=list, description="The platform's own cookie-dialog buttons that refuse "
        "(reject, necessary only); dialogs with the usual words are recognised without it.")
    account_details: dict[str, str] = Field(
        default_factory=dict, description="What each account must say for the recipe's paths "
        "to name its page (a blog's name), by name, with what to give; paths use {name}.")
    per_site: bool = Field(
        default=False, description="Each account has its own site on the platform's domain "
        "(its origin is given at `optout login --origin`); `origin` is an example.")
    # Where the recipe was read from; not part of the YAML.
    file: Path | None = Field(default=None, exclude=True)
    # The SHA-256 of the file's bytes: what a person approves (`optout recipes approve`).
    digest: str | None = Field(default=None, exclude=True)

    _single = field_validator("consent", mode="before")(as_targets)

    @field_validator("origin", "allowed_origins")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        for origin in [value] if isinstance(value, str) else value:
            try:
                normalised = normalise_origin(origin)
            except BadInput:
                normalised = None
            if normalised != origin.rstrip("/"):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
        return value

    @model_validator(mode="after")
    def _details_declared(self) -> Recipe:
        for setting in self.settings:
            for name in _PLACEHOLDER.findall(setting.path or ""):
                if name not in self.account_details:
                    raise ValueError(f"setting {setting.id!r}: {{{name}}} in its path is not one "
                                     "of account_details")
        return self

    def with_details(self, details: dict[str, str]) -> Recipe:
        """The recipe with its paths' {name} filled from an account's details; BadInput naming
        what is missing or unsafe in a path."""
        missing = [name for name in self.account_details if not details.get(name)]
        if missing:
            needs = "; ".join(f"{n}: {self.account_details[n]}" for n in missing)
            flags = " ".join(f"--detail {n}=..." for n in missing)
            raise BadInput(f"{self.name} needs to know this of the account: {needs}. Give it at "
                           f"`optout login {self.platform} {flags}`.")
        for name, value in details.items():
            if not _DETAIL.fullmatch(value):
                raise BadInput(f"{name}={value!r} is not a name that can go in an address; use "
                               "letters, digits, '-' and '_' only.")
        if not self.account_details:
            return self
        settings = [s.model_copy(update={"path": _PLACEHOLDER.sub(
            lambda m: details[m.group(1)], s.path)}) if s.path else s for s in self.settings]
        return self.model_copy(update={"settings": settings})

    @model_validator(mode="after")
    def _unique_setting_ids(self) -> Recipe:
        ids = [s.id for s in self.settings]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"setting ids must be unique; repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _sign_in_on_an_allowed_origin(self) -> Recipe:
        if self.sign_in is None:
            if self.needs_account:
                raise ValueError("sign_in is missing (only settings done by hand need none)")
            return self
        where = self.sign_in.origin
        if where is not None and normalise_origin(where) not in self.origins:
            raise ValueError(f"sign_in.origin {where!r} must be the origin or one of allowed_origins")
        return self

    @property
    def needs_account(self) -> bool:
        """Whether any setting is done in a browser, signed in (else all are done by hand)."""
        return any(setting.needs_browser for setting in self.settings)

    @property
    def signing_in(self) -> SignIn:
        """The sign-in of a recipe that has one; BadInput for one done all by hand."""
        if self.sign_in is None:
            raise BadInput(f"{self.name} has nothing to sign in to: its settings are done by "
                           f"hand (`optout guide {self.platform}` shows how).")
        return self.sign_in

    def sign_in_url(self) -> str:
        return normalise_origin(self.signing_in.origin or self.origin) + self.signing_in.path

    @property
    def origins(self) -> list[str]:
        """Every origin credentials may be typed into."""
        return [normalise_origin(self.origin), *map(normalise_origin, self.allowed_origins)]

    def url(self, path: str) -> str:
        return normalise_origin(self.origin) + path

    def with_origin(self, origin: str, mapped: Mapping[str, str] | None = None) -> Recipe:
        """The same recipe pointed at another origin, which becomes its only allowed origin,
        beside the origins `mapped` puts in place of its other ones (by the recipe's own origin:
        a twin's or a mirror's sign-in origin standing in for the platform's). An allowed origin
        left unmapped is dropped: nothing is typed where the person did not point it.

        On a per-site platform, a site of the platform's own domain keeps the platform's sign-in
        origins: the person's site is where the settings are, the platform's login is shared.
        """
        origin = normalise_origin(origin)
        if self.is_platform_site(origin):
            return self.model_copy(update={"origin": origin})
        # Elsewhere (a practice twin, a mirror) only what was pointed somewhere stays.
        stand_in = {normalise_origin(k): normalise_origin(v) for k, v in (mapped or {}).items()}
        allowed = [stand_in[o] for o in self.origins[1:] if o in stand_in]
        sign_in = self.sign_in
        if sign_in is not None:
            where = normalise_origin(sign_in.origin) if sign_in.origin else None
            sign_in = sign_in.model_copy(update={"origin": stand_in.get(where or "")})
        return self.model_copy(update={"origin": origin, "allowed_origins": allowed,
                                       "sign_in": sign_in})

    def stand_ins(self, mapped: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
        """Of `mapped` (an origin standing in for another), the pairs for this recipe's own
        other origins: what `with_origin` takes and an account keeps."""
        others = set(self.origins[1:])
        return tuple((normalise_origin(k), normalise_origin(v)) for k, v in (mapped or {}).items()
                     if normalise_origin(k) in others)

    def is_platform_site(self, origin: str) -> bool:
        """A per-site platform's site: https and a subdomain of the recipe origin's domain."""
        if not self.per_site:
            return False
        domain = ".".join((urlsplit(self.origin).hostname or "").split(".")[-2:])
        parts = urlsplit(origin)
        return parts.scheme == "https" and (parts.hostname or "").endswith("." + domain)


