"""Keeping secrets out of everything the tool writes or prints.

Every password and secret the engine handles is registered here first; evidence, results and log
records pass through `redact` before they leave the process. A secret is masked in the forms it
takes on its way through a browser and a network too: URL- and form-encoded (a sign-in form sent
by GET, a page address quoted in a message), JSON-escaped, HTML-escaped, and base64 (alone or
inside a longer base64 text).
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MASK = "••••••"
SHORTEST = 4  # very short strings would mask ordinary words; no real password is that short
# Parts of a URL that may be a token: a notification service's webhook id, a bot token.
TOKEN_CHARS = 8
WEB_SCHEMES = {"http", "https", "ws", "wss", "mailto", "mailtos"}
_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def encoded_forms(secret: str) -> set[str]:
    """`secret` and every form of it worth masking."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret),
             # as browsers encode: a form (application/x-www-form-urlencoded) and
             # encodeURIComponent, which keep other characters than Python's quote does
             _form_encoded(secret), quote(secret, safe="!'()*-._~"),
             html.escape(secret), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= {_HEX_ESCAPE.sub(lambda m: m[0].lower(), form) for form in forms}
    forms |= _base64_forms(secret.encode("utf-8"))
    return {form for form in forms if len(form) >= SHORTEST}


def _form_encoded(secret: str) -> str:
    """As a browser sends a form field: letters, digits and *-._ kept, space as +, the rest
    percent-encoded (Python's quote_plus keeps ~ too)."""
    return "".join(
        c if c.isascii() and (c.isalnum() or c in "*-._") else "+" if c == " "
        else "".join(f"%{byte:02X}" for byte in c.encode("utf-8")) for c in secret)


def _base64_forms(data: bytes) -> set[str]:
    """The characters of any base64 text that encode `data` wherever it starts: three
    alignments, keeping only the characters that depend on `data` alone."""
    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        start = -(-offset * 8 // 6)  # the first character holding no bit of the bytes before
        end = (offset + len(data)) * 8 // 6  # past the last one holding no bit of those after
        core = encoded[start:end]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def url_tokens(url: str) -> set[str]:
    """The parts of a URL that may be secret: its password, long path parts, host-like tokens and
    query values (a notification URL's webhook token, a browser server's access token)."""
    tokens: set[str] = set()
    try:
        parts = urlsplit(url)
        tokens |= {parts.password or "", parts.username or ""}
    except ValueError:
        return tokens
    tokens |= set(parts.path.split("/"))
    tokens |= {value for _, value in parse_qsl(parts.query)}
    host = parts.netloc.rpartition("@")[2]
    if parts.scheme not in WEB_SCHEMES and "." not in host:
        tokens.add(host)  # Apprise puts tokens where a host would be (tgram://123456:ABCdef…/)
    # Words of a path ("webhooks", "services") are not tokens: a token has a digit or is long.
    return {t for t in tokens if len(t) >= TOKEN_CHARS
            and (any(c.isdigit() for c in t) or len(t) >= 2 * TOKEN_CHARS)}


class Redactor:
    """Replaces registered secrets in any text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= SHORTEST:
            forms = encoded_forms(secret)
            with self._lock:
                self._secrets |= forms

    def add_url(self, url: str) -> None:
        """Register a URL that holds a token (a notification URL, a browser endpoint)."""
        for token in url_tokens(url):
            self.add(token)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, MASK)
        return text


redact = Redactor()


class RedactingFormatter(logging.Formatter):
    """Masks registered secrets in whole log lines, tracebacks included, so --debug never shows one."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
