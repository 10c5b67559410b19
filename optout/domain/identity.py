"""Whose account a page shows: where a platform displays the signed-in identity (an email or a
handle), and whether it is the person an account is for. A result read on another person's
account is never verified."""

from __future__ import annotations

import fnmatch
import re
from typing import Literal
from urllib.parse import urlsplit

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import Field, field_validator, model_validator

from optout.domain.targets import Strict, Target


class Identity(Strict):
    """Where the platform shows who is signed in, on the pages a recipe reads."""

    shown_by: Target | None = Field(
        default=None, description="The element showing the signed-in identity.")
    response: str | None = Field(
        default=None, description="Or: the path of a JSON answer the page loads that names it "
        "(heard while the page loads, never asked for).")
    value: str | None = Field(default=None, description="Where in that answer (JMESPath).")
    path: str | None = Field(
        default=None, description="The platform's page that shows it, where the pages a recipe "
        "reads do not (an account page): opened once per browser context, beside them.")
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

    @model_validator(mode="after")
    def _one_place(self) -> Identity:
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError("an identity's path starts with /")
        if (self.shown_by is None) == (self.response is None):
            raise ValueError("an identity is shown_by an element, or by a response and its value")
        if self.response is not None:
            if not self.response.startswith("/") or not self.value:
                raise ValueError("an identity's response is a path starting with /, with a value")
            try:
                jmespath.compile(self.value)
            except JMESPathError as exc:
                raise ValueError(f"the identity's value {self.value!r} is not a JMESPath "
                                 f"expression: {exc}") from exc
        return self

    def answers(self, url: str) -> bool:
        """Whether a response at `url` is the identity's answer (its path)."""
        return self.response is not None and fnmatch.fnmatchcase(urlsplit(url).path,
                                                                 self.response)

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
