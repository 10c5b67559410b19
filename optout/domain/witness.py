"""A second witness of a setting's state: the JSON answer a platform's own page loads the state
from, where public evidence names it. optout only listens for that answer while a page loads;
it never calls a platform's API itself."""

from __future__ import annotations

import fnmatch
from typing import Any, Literal
from urllib.parse import urlsplit

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import Field, field_validator

from optout.domain.targets import Strict

JsonScalar = bool | int | float | str | None


class Witness(Strict):
    """Where a page's own request for a setting's state answers, and what its value means."""

    response: str = Field(
        description="The path of the request the page loads the state from, on the platform's "
        "origins; * matches any run of characters (a GraphQL query's build id).")
    value: str = Field(description="Where the value sits in the JSON answer (a JMESPath "
                                   "expression: settings.training_allowed).")
    on: JsonScalar = Field(description='The value that means "on" (quote the key in YAML).')
    off: JsonScalar = Field(description='The value that means "off".')

    @field_validator("response")
    @classmethod
    def _a_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("a witness's response is a path on the platform, starting with /")
        return value

    @field_validator("value")
    @classmethod
    def _an_expression(cls, value: str) -> str:
        try:
            jmespath.compile(value)
        except JMESPathError as exc:
            raise ValueError(f"the witness's value {value!r} is not a JMESPath expression: "
                             f"{exc}") from exc
        return value

    def answers(self, url: str) -> bool:
        """Whether a response at `url` is this witness (its path; the origin is checked apart)."""
        return fnmatch.fnmatchcase(urlsplit(url).path, self.response)

    def read(self, body: Any) -> tuple[Literal["on", "off"] | None, Any]:
        """The state the answer says ("on", "off", or None when its value is neither) and the
        value itself."""
        found = jmespath.search(self.value, body)
        if found == self.off and type(found) is type(self.off):
            return "off", found
        if found == self.on and type(found) is type(self.on):
            return "on", found
        return None, found
