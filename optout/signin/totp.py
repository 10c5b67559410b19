"""Authenticator (TOTP) secrets: checking what a person pastes, and making the current code.

pyotp makes the codes (RFC 6238). It refuses secrets shorter than 112 bits, which is sound advice
to whoever issues them, but optout is a client: Facebook and GitHub, among others, issue 80-bit
(16-character) secrets, and a person must be able to use the secret they were given.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlsplit

import pyotp

from optout.domain.errors import BadInput

ADVISED_BITS = 128  # RFC 4226's recommendation; shorter secrets work, with a note


class _IssuedTOTP(pyotp.TOTP):
    """A TOTP generator for a secret of any length its platform issued."""

    def byte_secret(self) -> bytes:
        secret = self.secret.upper()
        return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _base32(text: str) -> str:
    """A base32 secret as platforms print it: spaces, dashes and case do not matter."""
    secret = text.replace(" ", "").replace("-", "").upper().rstrip("=")
    try:
        if not secret or not _IssuedTOTP(secret).byte_secret():
            raise ValueError("empty")
    except (ValueError, binascii.Error) as exc:
        raise BadInput("That is not an authenticator secret: give the base32 key (letters A-Z and "
                       "digits 2-7) or the otpauth:// address shown when you set it up.") from exc
    return secret


def _generator(secret: str) -> _IssuedTOTP:
    """The code generator for a normalised secret: base32, or an otpauth:// address."""
    if not secret.lower().startswith("otpauth://"):
        return _IssuedTOTP(secret)
    given = parse_qs(urlsplit(secret).query).get("secret", [""])[0]
    key = _base32(given)
    # pyotp reads everything else (digits, period, algorithm, labels) from the address; it is
    # given a long stand-in secret, since it would refuse a short real one.
    parsed = pyotp.parse_uri(secret.replace(given, "A" * 32, 1) if given else secret)
    if not isinstance(parsed, pyotp.TOTP):
        raise BadInput("That otpauth:// address is for counter codes (HOTP); optout needs a "
                       "time-based (TOTP) authenticator secret.")
    return _IssuedTOTP(key, digits=parsed.digits, digest=parsed.digest, interval=parsed.interval,
                       name=parsed.name, issuer=parsed.issuer)


def normalise_secret(text: str) -> str:
    """A base32 secret or an otpauth:// URI, checked; spaces and case in base32 do not matter."""
    text = text.strip()
    if not text.lower().startswith("otpauth://"):
        return _base32(text)
    try:
        _generator(text).now()
    except (ValueError, binascii.Error) as exc:
        raise BadInput(f"That otpauth:// address is not usable ({exc}); paste the one your "
                       "platform showed when you set up the authenticator.") from exc
    return text


def secret_bits(secret: str) -> int:
    return len(_generator(secret).byte_secret()) * 8


def current_code(secret: str) -> str:
    return _generator(secret).now()
