"""How a guide names a control and its state, from a recipe's target: shared by every kind's
guide steps (and the guides themselves)."""

from __future__ import annotations

from optout.domain.targets import Target


def target_words(target: Target) -> str:
    kind = {"switch": "switch", "checkbox": "checkbox", "button": "button", "link": "link",
            "radio": "option", "tab": "tab", "menuitem": "menu item"}.get(target.role or "", "")
    if target.role and target.name:
        return f'the {kind or target.role} "{english(target.name)}"'
    for way in ("label", "text", "placeholder"):
        value = getattr(target, way)
        if value:
            return (f'the control labelled "{english(value)}"' if way == "label"
                    else f'"{english(value)}"')
    return "the control described in the recipe (it has no visible name)"


def english(words: str | list[str]) -> str:
    """A recipe's wording for the English page (its first, when it lists other languages)."""
    return words if isinstance(words, str) else words[0]


def state_words(control: Target, desired: str) -> str:
    """What the desired state of a control looks like on the page."""
    if control.role == "checkbox":
        return "unticked" if desired == "off" else "ticked"
    if control.role == "switch":
        return ("switched off: the switch sits to the left, not highlighted"
                if desired == "off" else "switched on: the switch is highlighted")
    return f"set to {desired}"
