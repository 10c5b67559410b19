"""Setting kinds, registered in one place: every module of this package that defines `KIND`.

A kind (toggle, form, …) is one module holding its recipe model and its handler, which knows how
to read, apply, verify, scan and describe a setting of that kind for guides. Adding a kind adds a
module here; the recipe schema, the engine, `scan` and the guides find it.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, Tag

from optout.kinds.base import SettingBase, SettingKind


def _discover() -> dict[str, SettingKind]:
    found: dict[str, SettingKind] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "KIND", None)
        if isinstance(kind, SettingKind):
            found[kind.name] = kind
    return found


KINDS: dict[str, SettingKind] = _discover()
DEFAULT_KIND = "toggle"


def kind_of(setting: SettingBase) -> SettingKind:
    return KINDS[setting.type]


def _type_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("type", DEFAULT_KIND))
    return str(getattr(value, "type", DEFAULT_KIND))


# A recipe's setting: the model of the kind its `type` names (toggle when it names none).
if TYPE_CHECKING:
    AnySetting = SettingBase
else:
    AnySetting = Annotated[
        Union[tuple(Annotated[kind.model, Tag(name)] for name, kind in KINDS.items())],  # noqa: UP007
        Discriminator(_type_of, custom_error_type="setting_type",
                      custom_error_message=f"type must be one of: {', '.join(KINDS)}"),
    ]

__all__ = ["DEFAULT_KIND", "KINDS", "AnySetting", "SettingBase", "SettingKind", "kind_of"]
