"""Names as people type them: in any case, by the names platforms went by, and with a "did you
mean" for a slip, wherever a platform, setting or account name is taken."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from optout.domain.errors import BadInput

# Names a platform went by, or its maker's: only where the name points at one recipe.
ALIASES = {
    "twitter": "x", "x.com": "x", "openai": "chatgpt", "anthropic": "claude", "bard": "gemini",
    "fb": "facebook", "ig": "instagram", "bing": "copilot", "microsoft-copilot": "copilot",
    "githubcopilot": "github-copilot", "le-chat": "mistral", "amazon-alexa": "alexa",
}
# Names shared by several recipes: the person is asked to pick one.
SHARED_NAMES = {
    "meta": ("facebook", "instagram", "meta-ai", "whatsapp"),
    "google": ("gemini", "youtube"),
    "github": ("github-copilot",),
}


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' Did you mean 'x'?' for the closest known names, or '' when none is close."""
    close = difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return f" Did you mean {' or '.join(repr(c) for c in close)}?"


def platform_of(name: str, platforms: Iterable[str]) -> str:
    """The platform a typed name means; BadInput with the likely ones when it means none."""
    known = list(platforms)
    typed = name.strip().lower()
    if typed in known:
        return typed
    if ALIASES.get(typed) in known:
        return ALIASES[typed]
    shared = [p for p in SHARED_NAMES.get(typed, ()) if p in known]
    if len(shared) == 1:
        return shared[0]
    if shared:
        raise BadInput(f"{name!r} could be {', '.join(shared[:-1])} or {shared[-1]}: name one.")
    raise BadInput(f"Unknown platform {name!r}.{did_you_mean(typed, [*known, *ALIASES])} "
                   f"`optout list` shows the {len(known)} platforms.")


def setting_of(name: str, settings: Mapping[str, str], where: str) -> str:
    """The setting id a typed id (any case) or title means, of `settings` (id: title); BadInput
    listing the valid ids otherwise."""
    typed = name.strip().lower()
    for setting_id, title in settings.items():
        if typed in (setting_id.lower(), title.lower()):
            return setting_id
    raise BadInput(f"No setting {name!r} in {where}.{did_you_mean(typed, settings)} Its "
                   f"settings: {', '.join(settings)}.")


def account_of(name: str, accounts: Iterable[str], where: str) -> str:
    """A stored account's name as typed (any case); BadInput naming the stored ones otherwise."""
    known = list(accounts)
    typed = name.strip()
    if typed in known:
        return typed
    alike = [account for account in known if account.lower() == typed.lower()]
    if len(alike) == 1:
        return alike[0]
    if alike:  # `Work` and `work` both stored: never guess which one is meant
        raise BadInput(f"Accounts {', '.join(alike)} are stored for {where}; give the name in "
                       "exactly that case.")
    stored = f"stored: {', '.join(known)}" if known else "none is stored"
    raise BadInput(f"No account {name!r} for {where} ({stored}).{did_you_mean(name, known)}")
