"""What every setting kind shares: the recipe fields common to all, and the handler interface."""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from optout.domain.regions import EVERYWHERE, is_region
from optout.domain.results import Status
from optout.domain.targets import Strict, Target, paths_start_with_slash
from optout.kinds.steps import Step

if TYPE_CHECKING:
    from optout.domain.results import Result
    from optout.kinds.page import Control, PageView, SettingPage


OUTLINE_FIND_MS = 2000  # the page was just read: its control is there at once or not at all


def _https_only(value: str) -> str:
    if urlsplit(value).scheme != "https":
        raise ValueError("a source must be the https address of a public page")
    return value


class MoreEvidence(Strict):
    """A further public page the setting was checked against, beside `source`."""

    url: str
    date: datetime.date = Field(description="When it was published, last updated or last seen "
                                "saying this.")
    approximate: bool = Field(default=False, description="The date is a guess (the page shows "
                              "none; a dated copy or report is near it).")
    publisher: str | None = Field(
        default=None, description="Who published it, when not the platform itself.")

    _https = field_validator("url")(_https_only)


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
    source_publisher: str | None = Field(
        default=None, description="Who published `source` when its address is not the "
        "platform's own site (a news site, a guide, the platform's parent company); guides link "
        "it only then, shown as theirs.")
    source_date: date | None = Field(
        default=None, description="When `source` was published, last updated or last seen "
        "saying what the recipe takes from it (a dated copy or quote).")
    source_date_approximate: bool = Field(
        default=False, description="`source_date` is a guess: the page shows no date.")
    more_sources: list[MoreEvidence] = Field(
        default_factory=list, description="Further public pages it was checked against.")
    confidence: Literal["platform", "guides", "unconfirmed"] | None = Field(
        default=None, description="How sure the recipe is: platform (the platform's own pages "
        "show the control as the recipe has it), guides (third-party guides only) or "
        "unconfirmed (details named in `unconfirmed` are not in any evidence).")
    unconfirmed: list[str] = Field(
        default_factory=list, description="The details no evidence shows (the switch's role, "
        "a form's labels), in words.")
    default: Literal["on", "off", "varies"] | None = Field(
        default=None, description="What the platform does before anyone acts: on (your data "
        "goes to AI), off, or varies (`default_where` says where and for whom).")
    default_where: str | None = Field(
        default=None, description="Where or for whom the default differs, in words.")
    live_verified: date | None = Field(
        description="When a person last saw this work on the live site; null until then."
    )
    notes: str | None = None
    regions: list[str] = Field(
        default_factory=lambda: [EVERYWHERE], min_length=1,
        description="Where the setting exists: all, or groups and countries (EU, EEA, UK, CH).")
    also_at: list[str] = Field(
        default_factory=list, description="Other addresses of the control's page (a platform's "
        "older or newer one), tried in turn where the page at `path`, after its steps, does not "
        "show it; no steps are made there.")
    not_offered_in: list[str] = Field(
        default_factory=list, description="Regions inside `regions` where the platform says "
        "it does not offer the control (Microsoft: Copilot's training switches are not shown in "
        "Brazil, China, Israel, …): a person there is told so, with the source, before any "
        "browser starts, never sent to look for it.")
    not_offered_source: str | None = Field(
        default=None, description="The public page saying where it is not offered, when not "
        "`source`.")
    eligibility: str | None = Field(
        default=None, description="Which accounts it applies to (personal or business plans, "
        "adults, instructors), in words.")
    verify_it_stays: bool = Field(
        default=False, description="The desired state is the platform's default: nothing to "
        "switch unless the platform flips it, which `check` reports.")

    _paths = field_validator("path", "also_at")(paths_start_with_slash)

    @field_validator("not_offered_in")
    @classmethod
    def _known_exclusions(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if not is_region(r) or r == EVERYWHERE]
        if unknown:
            raise ValueError(f"not_offered_in: unknown region {', '.join(map(repr, unknown))}: "
                             "use EU, EEA, UK or a two-letter country code such as BR")
        return value

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if not is_region(r)]
        if unknown:
            raise ValueError(f"unknown region {', '.join(map(repr, unknown))}: use all, EU, EEA, "
                             "UK or a two-letter country code such as CH")
        if EVERYWHERE in value and len(value) > 1:
            raise ValueError("regions is either [all] or a list of regions, not both")
        return value

    @field_validator("source", "not_offered_source")
    @classmethod
    def _source_is_https(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if urlsplit(value).scheme != "https":
            raise ValueError("source must be the https address of a public help page")
        return value

    @model_validator(mode="after")
    def _unconfirmed_named(self) -> SettingBase:
        if (self.confidence == "unconfirmed") != bool(self.unconfirmed):
            raise ValueError("confidence: unconfirmed goes with `unconfirmed`, a list naming the "
                             "details no evidence shows (and only with it)")
        if self.default == "varies" and not self.default_where:
            raise ValueError("default: varies needs default_where saying where and for whom")
        if EVERYWHERE not in self.regions and self.not_offered_in:
            raise ValueError("not_offered_in names exceptions to regions: [all]; with a list of "
                             "regions, leave those it is not offered in out of it")
        return self

    @property
    def evidence_date(self) -> date | None:
        """The newest evidence's date."""
        dates = [d for d in (self.source_date, *(m.date for m in self.more_sources)) if d]
        return max(dates, default=None)

    @property
    def evidence_date_approximate(self) -> bool:
        """Whether the newest evidence's date is a guess (no dated evidence as new is exact)."""
        newest = self.evidence_date
        exact = [m.date for m in self.more_sources if not m.approximate]
        if self.source_date and not self.source_date_approximate:
            exact.append(self.source_date)
        return newest is not None and newest not in exact

    @property
    def needs_browser(self) -> bool:
        """False for settings a person does by hand: no page of theirs is read."""
        return True

    @property
    def is_form(self) -> bool:
        return self.type == "form"

    def place(self) -> str:
        """Where the control is, in words: its page and the steps from there."""
        return " > ".join([self.path, *(step.describe() for step in self.steps)])


@dataclass(frozen=True)
class Decided:
    """A setting's result known without a browser (a setting done by hand)."""

    status: Status
    message: str
    after: str | None = None


class SettingKind(ABC):
    """How one kind of setting is read, applied, verified, scanned and described for guides.

    Each kind is one module of this package, holding its recipe model and its handler; the
    package finds it. Handlers talk to the page only through `SettingPage` (kinds/page.py).
    """

    name: ClassVar[str]
    model: ClassVar[type[SettingBase]]

    def offline(self, setting: SettingBase, *, platform: str,
                marked_done: str | None) -> Decided | None:
        """A result decided without a browser (a setting done by hand); None if it needs one."""
        return None

    @abstractmethod
    async def handle(self, page: SettingPage, setting: SettingBase) -> Result:
        """Bring the setting to its desired state as the run's mode says; the result."""

    @abstractmethod
    async def covers(self, page: PageView, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        """(role, name) of the controls on the page this setting handles (for `scan`)."""

    @abstractmethod
    def guide_steps(self, platform_name: str, platform: str, setting: SettingBase) -> list[str]:
        """What a person does on the setting's page, after its steps, one sentence each."""

    def guide_quote(self, platform_name: str, setting: SettingBase) -> str | None:
        """A text the person can use (an objection), shown under the steps."""
        return None

    def catalogue_words(self, setting: SettingBase) -> str:
        """The kind, in the catalogue's words ("switch", "button + menu", "by hand")."""
        return self.name

    def masked(self, setting: SettingBase) -> list[Target]:
        """What this setting types into the page, hidden in evidence."""
        return []

    def switched(self, setting: SettingBase) -> list[Target]:
        """The controls whose state this setting changes (a recipe that is not optout's own may
        point only at ones that speak of AI); none for a kind that switches nothing."""
        return []

    def landmarks(self, setting: SettingBase) -> list[Target]:
        """What shows that a page is the setting's (addresses.py tries its other addresses where
        none is found): by default the controls it changes."""
        return self.switched(setting)

    def clicked(self, setting: SettingBase) -> list[Target]:
        """Every other control the setting clicks on its way (steps, dialogs, confirmations)."""
        return [target for step in setting.steps for target in step.targets()]

    async def outlined(self, page: PageView, setting: SettingBase) -> Control | None:
        """The control that shows this setting's state on `page`, as it was read, to outline in
        the evidence screenshot; None where there is none or it is not found at once."""
        return None
