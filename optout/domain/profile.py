"""The person's profile: what objection forms ask for (name, email, country, the objection).

It lives in the private config file under [profile]. Nothing here is a secret, but it is personal:
it is written with the config's private permissions and masked in evidence screenshots.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Where a form field's value comes from: the person's profile, or the account's username.
# A form types the profile's fields only: never the sign-in username (a stranger's recipe could
# publish it), whose place is the sign-in page.
ProfileKey = Literal["name", "first_name", "last_name", "email", "country", "objection"]

# A reasoned objection, used unless the recipe or the person gives their own. {platform} is
# replaced by the platform's name.
DEFAULT_OBJECTION = (
    "I object to {platform} processing my personal data, including my profile, posts, messages "
    "and activity, to develop, train or improve artificial intelligence models. I did not provide "
    "this data for that purpose and do not expect it to be used that way; the processing is not "
    "necessary for the service I use, and its effects on me cannot be undone once a model has "
    "been trained. Please stop this processing of my data and confirm that you have done so."
)


class Filled(Protocol):
    """A form field, as far as the profile is concerned: where its value comes from."""

    @property
    def from_(self) -> ProfileKey | None: ...


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    email: str | None = None
    country: str | None = None
    objection: str | None = Field(default=None, description="The person's own objection text.")

    @field_validator("name", "email", "country", "objection")
    @classmethod
    def _trimmed(cls, value: str | None) -> str | None:
        value = value.strip() if value else None
        return value or None

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str | None) -> str | None:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError(f"{value!r} is not an email address")
        return value

    def missing_for(self, fields: Iterable[Filled]) -> list[str]:
        """The profile fields a form's fields need and this profile lacks."""
        needed = {_SOURCE.get(f.from_, f.from_) for f in fields if f.from_}
        return [k for k in ("name", "email", "country") if k in needed and not getattr(self, k)]

    def value(self, key: ProfileKey, *, platform_name: str, objection: str | None = None) -> str:
        """The text a field gets; call missing_for first."""
        if key == "objection":
            text = self.objection or objection or DEFAULT_OBJECTION
            return text.replace("{platform}", platform_name)
        if key in ("first_name", "last_name"):
            first, _, last = (self.name or "").partition(" ")
            return first if key == "first_name" else (last or first)
        return getattr(self, key) or ""


# first_name and last_name are taken from name.
_SOURCE = {"first_name": "name", "last_name": "name"}


# The made-up person the practice platform's objection forms are filled in for (`optout demo`,
# and the accounts `optout practice --setup` stores): never the person's own profile.
PRACTICE_PROFILE = Profile(name="Ada Lovelace", email="ada@practice.invalid",
                           country="United Kingdom")
