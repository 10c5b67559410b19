"""Whose account a page shows: where a platform displays the signed-in identity (an email or a
handle), and whether it is the person an account is for. A result read on another person's
account is never verified."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from optout.domain.targets import Strict, Target


class Identity(Strict):
    """Where the platform shows who is signed in, on the pages a recipe reads."""

    shown_by: Target = Field(description="The element showing the signed-in identity.")
    attribute: str | None = Field(
        default=None, description="Read this attribute (href, aria-label) instead of the text.")
    pattern: str = Field(
        default="(.+)", description="A regular expression; its first group is the identity.")
    kind: Literal["email", "handle"] = Field(description="What the platform shows.")
    source: str = Field(description="The public evidence of where the platform shows it.")

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"the identity pattern {value!r} is not a regular expression: "
                             f"{exc}") from exc
        if compiled.groups < 1:
            raise ValueError("the identity pattern needs a group around the identity")
        return value

    def read(self, shown: str) -> str | None:
        """The identity in what the element shows; None if the pattern does not find one."""
        found = re.search(self.pattern, shown)
        return found.group(1).strip() if found and found.group(1).strip() else None

    def compare(self, shown: str, username: str | None) -> bool | None:
        """Whether `shown` is the account's person; None when they cannot be compared (no
        username, or a username of another kind: an email signing in where a handle shows)."""
        if not username:
            return None
        is_email = "@" in username.lstrip("@")
        if (self.kind == "email") != is_email:
            return None
        if self.kind == "handle":
            return shown.lstrip("@").casefold() == username.strip().lstrip("@").casefold()
        return shown.casefold() == username.strip().casefold()
