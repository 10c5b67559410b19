"""Authenticator (TOTP) secrets: checking what a person pastes, and making the current code."""

from __future__ import annotations

import binascii

import pyotp

from optout.errors import BadInput


def normalise_secret(text: str) -> str:
    """A base32 secret or an otpauth:// URI, checked; spaces and case in base32 do not matter."""
    text = text.strip()
    if text.lower().startswith("otpauth://"):
        try:
            generator = pyotp.parse_uri(text)
        except (ValueError, binascii.Error) as exc:
            raise BadInput(f"That otpauth:// address is not usable ({exc}); paste the one your "
                           "platform showed when you set up the authenticator.") from exc
        if not isinstance(generator, pyotp.TOTP):
            raise BadInput("That otpauth:// address is for counter codes (HOTP); optout needs a "
                           "time-based (TOTP) authenticator secret.")
        return text
    secret = text.replace(" ", "").replace("-", "").upper()
    try:
        pyotp.TOTP(secret).now()
    except (ValueError, binascii.Error) as exc:
        raise BadInput("That is not an authenticator secret: give the base32 key (letters A-Z and "
                       "digits 2-7) or the otpauth:// address shown when you set it up.") from exc
    return secret


def current_code(secret: str) -> str:
    generator = pyotp.parse_uri(secret) if secret.lower().startswith("otpauth://") else pyotp.TOTP(secret)
    assert isinstance(generator, pyotp.TOTP), "normalise_secret refuses counter (HOTP) URIs"
    return generator.now()
