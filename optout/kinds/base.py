"""What every setting kind shares: the recipe fields common to all, and the handler interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from optout.domain.targets import Strict, Target, paths_start_with_slash
from optout.kinds.steps import Step

if TYPE_CHECKING:
    from playwright.async_api import Page

    from optout.domain.results import Result
    from optout.engine.account import AccountRun
    from optout.recipe.schema import Recipe


class SettingBase(Strict):
    """The fields every kind of setting has: where it is, where the evidence for it comes from."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    type: str
    path: str
    steps: list[Step] = Field(
        default_factory=list, description="Steps from the page at `path` to the control.")
    desired: str
    source: str = Field(description="The public help page this setting was taken from.")
    live_verified: date | None = Field(
        description="When a person last saw this work on the live site; null until then."
    )
    notes: str | None = None

    _path = field_validator("path")(paths_start_with_slash)

    @field_validator("source")
    @classmethod
    def _source_is_https(cls, value: str) -> str:
        if urlsplit(value).scheme != "https":
            raise ValueError("source must be the https address of a public help page")
        return value

    @property
    def is_form(self) -> bool:
        return self.type == "form"

    def place(self) -> str:
        """Where the control is, in words: its page and the steps from there."""
        return " > ".join([self.path, *(step.describe() for step in self.steps)])


class SettingKind(ABC):
    """How one kind of setting is read, applied, verified, scanned and described for guides.

    Each kind lives in one module of this package, with its recipe model; the package finds it.
    """

    name: ClassVar[str]
    model: ClassVar[type[SettingBase]]

    @abstractmethod
    async def handle(self, run: AccountRun, setting: SettingBase) -> Result:
        """Bring the setting to its desired state as the run's mode says; the result."""

    @abstractmethod
    async def covers(self, page: Page, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        """(role, name) of the controls on the page this setting handles (for `scan`)."""

    @abstractmethod
    def guide_steps(self, recipe: Recipe, setting: SettingBase) -> list[str]:
        """What a person does on the setting's page, after its steps, one sentence each."""

    def guide_quote(self, recipe: Recipe, setting: SettingBase) -> str | None:
        """A text the person can use (an objection), shown under the steps."""
        return None

    def masked(self, setting: SettingBase) -> list[Target]:
        """What this setting types into the page, hidden in evidence."""
        return []
