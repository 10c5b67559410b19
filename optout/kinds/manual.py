"""A setting no browser can do: an email request, a switch in a phone app only, a form open only
in a yearly window. It is an entry all the same, with exact instructions; the person marks it done
(`optout done`) and the tool never claims to have verified it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from optout.domain.results import Status
from optout.domain.targets import Strict, paths_start_with_slash
from optout.kinds.base import Decided, SettingBase, SettingKind

if TYPE_CHECKING:
    from optout.domain.results import Result
    from optout.kinds.page import PageView, SettingPage


class Email(Strict):
    """An email the person sends: its address, subject and text, ready to copy."""

    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    subject: str
    body: str = Field(description="The text; words in CAPITALS in angle brackets, like "
                      "<WORKSPACE URL>, are for the person to fill in.")


class ManualSetting(SettingBase):
    """Done by a person, by following `how`; never automated, never verified."""

    type: Literal["manual"] = "manual"
    desired: Literal["done"] = "done"
    path: str | None = None  # type: ignore[assignment]  # where on the site, when there is one
    how: list[str] = Field(min_length=1, description="What the person does, one sentence each.")
    email: Email | None = None
    app_only: bool = Field(default=False, description="Only in the platform's phone app.")
    window: str | None = Field(default=None, description="When it can be done, if only at times.")

    _path = field_validator("path")(paths_start_with_slash)

    def place(self) -> str:
        return self.path or "by hand"

    @property
    def needs_browser(self) -> bool:
        return False


class Manual(SettingKind):
    name = "manual"
    model = ManualSetting

    def offline(self, setting: SettingBase, *, platform: str,
                marked_done: str | None) -> Decided:
        assert isinstance(setting, ManualSetting)
        if marked_done:
            return Decided(Status.MARKED_DONE, after="done", message=(
                f"Marked done by you {marked_done}; optout cannot check it for you."))
        return Decided(Status.NEEDS_HUMAN, message=(
            f"Done by hand: {setting.how[0]} `optout guide {platform}` has every step; once it "
            f"is done, `optout done {platform} {setting.id}` records it."))

    async def handle(self, page: SettingPage, setting: SettingBase) -> Result:
        raise AssertionError("a setting done by hand is decided before any browser starts")

    async def covers(self, page: PageView, setting: SettingBase,
                     timeout_ms: float) -> list[tuple[str, str]]:
        return []

    def catalogue_words(self, setting: SettingBase) -> str:
        assert isinstance(setting, ManualSetting)
        return ("by hand (email)" if setting.email else
                "by hand (app only)" if setting.app_only else "by hand")

    def guide_steps(self, platform_name: str, platform: str, setting: SettingBase) -> list[str]:
        assert isinstance(setting, ManualSetting)
        steps = list(setting.how)
        if setting.window:
            steps.insert(0, f"When: {setting.window}")
        if setting.app_only:
            steps.insert(0, "This is in the phone app only; the website has no such setting.")
        steps.append(f"Then record it with `optout done {platform} {setting.id}`: "
                     "optout cannot see it, so it shows it as done by you, not as verified.")
        return steps

    def guide_quote(self, platform_name: str, setting: SettingBase) -> str | None:
        assert isinstance(setting, ManualSetting)
        if setting.email is None:
            return None
        email = setting.email
        return f"To: {email.to}\nSubject: {email.subject}\n\n{email.body}"


KIND = Manual()
