"""The pieces every part of a recipe is made of: how to find an element the way a person does
(a target), web origins, and the checks shared by setting kinds and steps."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import cssselect
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from optout.domain.errors import BadInput

# ARIA roles a control may be found by (Playwright's get_by_role accepts these).
AriaRole = Literal[
    "button", "checkbox", "combobox", "dialog", "heading", "link", "listbox", "menu",
    "menuitem", "menuitemcheckbox", "menuitemradio", "option", "radio", "radiogroup",
    "region", "switch", "tab", "tablist", "tabpanel", "textbox",
]


# One wording, or alternatives for other languages (English first).
Words = Annotated[str, Field(min_length=1)] | Annotated[list[Annotated[str, Field(min_length=1)]],
                                                        Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(Strict):
    """How to find one element, the way a person would: role and name, label or text.

    `css` exists only as a last fallback, for a control with no accessible name.
    """

    role: AriaRole | None = None
    # name, label, text and placeholder may list alternatives: the English wording first, then
    # the same words in the other languages a platform may show despite the English locale.
    name: Words | None = None
    label: Words | None = None
    text: Words | None = None
    placeholder: Words | None = None
    css: str | None = None
    exact: bool = False
    # An on/off control is the same control whether a page builds it as a switch, a checkbox or
    # a menu item checkbox: found as any of them, unless the evidence pins its role.
    pin_role: bool = Field(default=False, description="Match only this role, not the other "
                           "forms an on/off control takes.")
    avoid: list[str] = Field(default_factory=list, description="Words of a destructive or wider "
                             "neighbour (\"delete\", \"everyone\"): an element whose name "
                             "holds one is never chosen.")

    @field_validator("css")
    @classmethod
    def _plain_css(cls, value: str | None) -> str | None:
        # Playwright's own selector syntax (`>>`, `internal:…`, `xpath=`, `text=`) can chain into
        # another origin's frame, where a typed password would land; plain CSS cannot.
        if value is not None:
            # Playwright splits on `>>` even inside a CSS comment, and reads an escape or a
            # backtick its own way: none of them has a place in a plain selector here.
            odd = next((mark for mark in (">>", "/*", "`", "\\") if mark in value), None)
            if odd:
                raise ValueError(f"css {value!r} is not plain CSS (it holds {odd}); Playwright's "
                                 "selector syntax such as >>, xpath= or internal: is not allowed")
            try:
                cssselect.parse(value)
            except cssselect.SelectorError as exc:
                raise ValueError(f"css {value!r} is not plain CSS ({exc}); Playwright's selector "
                                 "syntax such as >>, xpath= or internal: is not allowed") from exc
        return value

    @model_validator(mode="after")
    def _one_way(self) -> Target:
        ways = [w for w in ("role", "label", "text", "placeholder", "css") if getattr(self, w)]
        if len(ways) != 1:
            raise ValueError(
                "give exactly one of role (with an optional name), label, text, placeholder or css"
            )
        if self.name is not None and self.role is None:
            raise ValueError("name goes with role")
        return self

    def describe(self) -> str:
        if self.role:
            return f'{self.role} "{first_words(self.name)}"' if self.name else self.role
        for way in ("label", "text", "placeholder", "css"):
            value = getattr(self, way)
            if value:
                return f'{way} "{first_words(value)}"'
        return "?"  # unreachable: the validator demands one way


def describe(targets: Sequence[Target]) -> str:
    return " or ".join(t.describe() for t in targets)


def first_words(words: Words) -> str:
    return words if isinstance(words, str) else words[0]


def as_targets(value: Any) -> Any:
    """A single target may be written without the list around it."""
    return [value] if isinstance(value, dict) else value


Targets = Annotated[list[Target], Field(min_length=1)]


def paths_start_with_slash(value: Any) -> Any:
    if value is None:
        return value
    for path in [value] if isinstance(value, str) else value:
        if not path.startswith("/"):
            raise ValueError(f"path {path!r} must start with /")
    return value


_DEFAULT_PORTS = {"http": 80, "https": 443}
# A host as a browser writes it: lower-case ASCII labels (an international name in its xn-- form).
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def normalise_origin(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased, without a default port; BadInput if it has
    none, or if its host is not written the way a browser writes one (escapes, backslashes,
    non-ASCII letters: the same site could then hide behind several spellings)."""
    problem = BadInput(f"{url!r} is not a web address; give one like https://www.example.com.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port out of range, a broken IPv6 address
        raise problem from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in _DEFAULT_PORTS or not host or "\\" in parts.netloc:
        raise problem
    try:
        ip = ipaddress.ip_address(host)
        host = f"[{ip}]" if ip.version == 6 else str(ip)
    except ValueError:
        if not _HOST.fullmatch(host):
            raise BadInput(f"{url!r} does not name its host the way a browser does; write it in "
                           "lower-case ASCII (an international name in its xn-- form), without "
                           "escapes.") from None
    shown_port = f":{port}" if port and port != _DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{shown_port}"


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_practice(origin: str) -> bool:
    """Whether readings at an origin come from this machine (the practice platform, a test
    server), never from a platform's real site."""
    return is_loopback(urlsplit(origin).hostname or "")


def endpoint_host(endpoint: str) -> str:
    """scheme://host:port of an endpoint: its path or query may carry a token."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
