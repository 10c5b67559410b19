"""Recipe schema and loading.

A recipe is a YAML file of data only: it can ask the engine for the steps the engine knows and
nothing else, so a recipe written by a stranger is safe to load. Every recipe is validated on load;
a broken one is reported with its file, line and problem.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from optout.errors import BadInput, RecipeError, first_line

# ARIA roles a control may be found by (Playwright's get_by_role accepts these).
AriaRole = Literal[
    "button", "checkbox", "combobox", "dialog", "heading", "link", "listbox", "menu",
    "menuitem", "menuitemcheckbox", "menuitemradio", "option", "radio", "radiogroup",
    "region", "switch", "tab", "tablist", "tabpanel", "textbox",
]


# One wording, or alternatives for other languages (English first).
Words = Annotated[str, Field(min_length=1)] | Annotated[list[Annotated[str, Field(min_length=1)]],
                                                        Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
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
            return f'{self.role} "{_first(self.name)}"' if self.name else self.role
        for way in ("label", "text", "placeholder", "css"):
            value = getattr(self, way)
            if value:
                return f'{way} "{_first(value)}"'
        return "?"  # unreachable: the validator demands one way


def _first(words: Words) -> str:
    return words if isinstance(words, str) else words[0]


def _as_targets(value: Any) -> Any:
    """A single target may be written without the list around it."""
    return [value] if isinstance(value, dict) else value


Targets = Annotated[list[Target], Field(min_length=1)]


def _paths_start_with_slash(value: Any) -> Any:
    for path in [value] if isinstance(value, str) else value:
        if not path.startswith("/"):
            raise ValueError(f"path {path!r} must start with /")
    return value


class Challenge(_Strict):
    """A page the platform may show after the password, and how to get past it."""

    kind: Literal["totp", "code", "security_check"] = Field(
        description="totp: the engine enters the authenticator code; code: a code sent by email "
        "or SMS, asked from the person; security_check: a CAPTCHA or similar, never solved by "
        "the tool, handed to the person."
    )
    when: Targets = Field(description="What on the page shows that this challenge is asked.")
    code: list[Target] = Field(default_factory=list, description="The field the code goes in.")
    submit: list[Target] = Field(default_factory=list)
    rejected: list[Target] = Field(default_factory=list, description="What a refused code shows.")
    prompt: str | None = Field(default=None, description="What to ask the person (kind: code).")

    _single = field_validator("when", "code", "submit", "rejected", mode="before")(_as_targets)

    @model_validator(mode="after")
    def _needs_a_field(self) -> Challenge:
        if self.kind != "security_check" and not (self.code and self.submit):
            raise ValueError(f"a {self.kind} challenge needs code and submit targets")
        return self


class SignIn(_Strict):
    origin: str | None = Field(
        default=None, description="Where the sign-in page is, when not on the recipe's origin "
        "(one of its allowed_origins).")
    path: str = Field(description="Path of the sign-in page.")
    pages: list[str] = Field(
        default_factory=list,
        description="Path prefixes that mean 'this is the sign-in flow' (path is always included).",
    )
    username: Targets
    next: list[Target] = Field(
        default_factory=list,
        description="The button between username and password, on sites that ask for them on "
        "two steps.")
    password: list[Target] = Field(
        default_factory=list,
        description="None on passwordless sites: `next` sends a code that a challenge asks for.")
    submit: list[Target] = Field(default_factory=list)
    rejected: list[Target] = Field(
        default_factory=list, description="What the page shows when the password is refused."
    )
    challenges: list[Challenge] = Field(default_factory=list)

    @model_validator(mode="after")
    def _password_or_code(self) -> SignIn:
        if self.password and not self.submit:
            raise ValueError("a password needs a submit button")
        if not self.password and not (self.next and any(c.kind == "code" for c in self.challenges)):
            raise ValueError("without a password, sign-in needs `next` (the button that sends a "
                             "code) and a challenge of kind code")
        return self

    @property
    def passwordless(self) -> bool:
        return not self.password

    _single = field_validator("username", "next", "password", "submit", "rejected",
                              mode="before")(_as_targets)

    _paths = field_validator("path", "pages")(_paths_start_with_slash)

    def sign_in_paths(self) -> list[str]:
        return [self.path, *self.pages]


class Save(_Strict):
    """Which request saves the change; by default any non-GET request to an allowed origin."""

    url_contains: str | None = None
    button: list[Target] = Field(default_factory=list)

    _single = field_validator("button", mode="before")(_as_targets)


class Step(_Strict):
    """One thing a person does to reach a control with no address of its own: open a menu, pick
    a tab, open a dialog, follow a link."""

    click: Target


# Where a form field's value comes from: the person's profile, or the account's username.
ProfileKey = Literal["name", "first_name", "last_name", "email", "country", "objection", "username"]


class FormField(_Strict):
    """One field of an objection form: a value from the profile, a fixed answer, or a tick."""

    target: Target
    from_: ProfileKey | None = Field(default=None, alias="from")
    value: str | None = None
    check: bool | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FormField:
        if sum(x is not None for x in (self.from_, self.value, self.check)) != 1:
            raise ValueError("give exactly one of from (a profile field), value or check")
        return self


class Setting(_Strict):
    """A toggle, switched and verified on a fresh load; or a form, submitted and verified by the
    confirmation the platform shows."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    type: Literal["toggle", "form"] = "toggle"
    path: str
    steps: list[Step] = Field(
        default_factory=list, description="Clicks from the page at `path` to the control.")
    # toggle
    control: list[Target] = Field(default_factory=list)
    desired: Literal["on", "off", "submitted"] | None = None
    # form
    fields: list[FormField] = Field(default_factory=list)
    submit: list[Target] = Field(default_factory=list)
    confirmation: list[Target] = Field(
        default_factory=list, description="What the platform shows once it has the form.")
    reference: str | None = Field(
        default=None, description="Regex over the confirmation page; group 1 is the reference.")
    objection: str | None = Field(
        default=None, description="The default objection text for this form ({platform} is "
        "replaced); the person's profile may give their own.")
    source: str = Field(description="The public help page this setting was taken from.")
    live_verified: date | None = Field(
        description="When a person last saw this work on the live site; null until then."
    )
    ready: list[Target] = Field(
        default_factory=list,
        description="What shows that the page has finished drawing the setting's state.",
    )
    save: Save = Save()
    verify_within: float = Field(
        default=10.0, gt=0, le=120, description="Seconds to keep re-reading after a change."
    )
    notes: str | None = None

    _single = field_validator("control", "ready", "submit", "confirmation", mode="before")(
        _as_targets)

    @field_validator("desired", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare `off` as false; accept it as the word the author wrote.
        if isinstance(value, bool):
            return "on" if value else "off"
        return value

    @field_validator("reference")
    @classmethod
    def _one_group(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            groups = re.compile(value).groups
        except re.error as exc:
            raise ValueError(f"reference is not a valid regular expression ({exc})") from exc
        if groups < 1:
            raise ValueError("reference needs a group, in parentheses, around the reference itself")
        return value

    @model_validator(mode="after")
    def _complete_for_its_type(self) -> Setting:
        if self.type == "toggle":
            if not self.control or self.desired not in ("on", "off"):
                raise ValueError('a toggle needs a control and desired "on" or "off"')
            if self.fields or self.submit or self.confirmation:
                raise ValueError("fields, submit and confirmation belong to a form, not a toggle")
        else:
            if not (self.fields and self.submit and self.confirmation):
                raise ValueError("a form needs fields, submit and confirmation")
            if self.control or self.desired not in (None, "submitted"):
                raise ValueError("a form has no control or desired state; it is submitted")
            object.__setattr__(self, "desired", "submitted")
        return self

    @property
    def is_form(self) -> bool:
        return self.type == "form"

    def place(self) -> str:
        """Where the control is, in words: its page and the clicks from there."""
        return " > ".join([self.path, *(step.click.describe() for step in self.steps)])

    _path = field_validator("path")(_paths_start_with_slash)

    @field_validator("source")
    @classmethod
    def _source_is_https(cls, value: str) -> str:
        if urlsplit(value).scheme != "https":
            raise ValueError("source must be the https address of a public help page")
        return value


class LeftAlone(_Strict):
    """A control on a recipe's pages that speaks of AI but is deliberately not switched, and why,
    so that `scan` does not report it as new."""

    control: Target
    why: str


class Recipe(_Strict):
    platform: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    origin: str
    allowed_origins: list[str] = Field(default_factory=list)
    sign_in: SignIn
    settings: Annotated[list[Setting], Field(min_length=1)]
    sensitive: list[Target] = Field(
        default_factory=list, description="Fields masked in screenshots besides password inputs."
    )
    left_alone: list[LeftAlone] = Field(default_factory=list)
    per_site: bool = Field(
        default=False, description="Each account has its own site on the platform's domain "
        "(its origin is given at `optout login --origin`); `origin` is an example.")
    # Where the recipe was read from; not part of the YAML.
    file: Path | None = Field(default=None, exclude=True)

    @field_validator("origin", "allowed_origins")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        for origin in [value] if isinstance(value, str) else value:
            try:
                normalised = normalise_origin(origin)
            except BadInput:
                normalised = None
            if normalised != origin.rstrip("/"):
                raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
        return value

    @model_validator(mode="after")
    def _unique_setting_ids(self) -> Recipe:
        ids = [s.id for s in self.settings]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"setting ids must be unique; repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _sign_in_on_an_allowed_origin(self) -> Recipe:
        where = self.sign_in.origin
        if where is not None and normalise_origin(where) not in self.origins:
            raise ValueError(f"sign_in.origin {where!r} must be the origin or one of allowed_origins")
        return self

    def sign_in_url(self) -> str:
        return normalise_origin(self.sign_in.origin or self.origin) + self.sign_in.path

    @property
    def origins(self) -> list[str]:
        """Every origin credentials may be typed into."""
        return [normalise_origin(self.origin), *map(normalise_origin, self.allowed_origins)]

    def url(self, path: str) -> str:
        return normalise_origin(self.origin) + path

    def with_origin(self, origin: str) -> Recipe:
        """The same recipe pointed at another origin, which becomes its only allowed origin.

        On a per-site platform, a site of the platform's own domain keeps the platform's sign-in
        origins: the person's site is where the settings are, the platform's login is shared.
        """
        origin = normalise_origin(origin)
        if self.is_platform_site(origin):
            return self.model_copy(update={"origin": origin})
        # Elsewhere (a practice twin, a mirror) the sign-in page is on that one origin too.
        sign_in = self.sign_in.model_copy(update={"origin": None})
        return self.model_copy(update={"origin": origin, "allowed_origins": [],
                                       "sign_in": sign_in})

    def is_platform_site(self, origin: str) -> bool:
        """A per-site platform's site: https and a subdomain of the recipe origin's domain."""
        if not self.per_site:
            return False
        domain = ".".join((urlsplit(self.origin).hostname or "").split(".")[-2:])
        parts = urlsplit(origin)
        return parts.scheme == "https" and (parts.hostname or "").endswith("." + domain)


def normalise_origin(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased; raise BadInput if it has none."""
    problem = BadInput(f"{url!r} is not a web address; give one like https://www.example.com.")
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError as exc:  # a port out of range, a broken IPv6 address
        raise problem from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise problem
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


# --- loading -------------------------------------------------------------------------------------


def load_recipe(path: Path) -> Recipe:
    """Read and validate one recipe file; RecipeError names the file, line and problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read the recipe ({exc.strerror}).") from exc
    except UnicodeDecodeError as exc:
        raise RecipeError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise RecipeError(f"{path}{line}: not valid YAML ({exc.problem}).") from exc
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise RecipeError(f"{path}: not valid YAML ({first_line(exc)}).") from exc
    if not isinstance(data, dict):
        raise RecipeError(f"{path}, line 1: a recipe must be a mapping of keys to values.")
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        line = _line_of(node, loc)
        where = ".".join(str(part) for part in loc) or "recipe"
        raise RecipeError(f"{path}, line {line}: {where}: {_plain(error)}.") from exc
    expected = path.stem
    if recipe.platform != expected:
        raise RecipeError(
            f"{path}, line {_line_of(node, ('platform',))}: platform is {recipe.platform!r} "
            f"but the file is named {path.name}; name the file {recipe.platform}.yaml."
        )
    return recipe.model_copy(update={"file": path})


def _plain(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return "is not a recipe key (check its spelling)"
    if error["type"] == "missing":
        return "is required"
    return message


def _line_of(node: yaml.Node | None, loc: Sequence[Any]) -> int:
    """1-based line of the deepest YAML node along a validation error's path."""
    line = node.start_mark.line + 1 if node else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


# --- the registry --------------------------------------------------------------------------------


def builtin_recipe_dir() -> Path:
    """Recipes shipped inside the wheel, or the repository's recipes/ in a source checkout."""
    packaged = Path(__file__).parent / "_recipes"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "recipes"


def recipe_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Built-in recipes first, then OPTOUT_RECIPE_PATH, then --recipes: later ones win."""
    dirs = [builtin_recipe_dir()]
    env = os.environ.get("OPTOUT_RECIPE_PATH", "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in extra]
    for folder in dirs[1:]:
        if not folder.is_dir():
            raise BadInput(f"Recipe folder {folder} does not exist; check --recipes or OPTOUT_RECIPE_PATH.")
    return dirs


def load_recipes(extra: Iterable[str | Path] = ()) -> dict[str, Recipe]:
    """Every recipe by platform name; a later folder's recipe replaces an earlier one's."""
    recipes: dict[str, Recipe] = {}
    for folder in recipe_dirs(extra):
        for path in sorted(folder.glob("*.yaml")):
            recipe = load_recipe(path)
            recipes[recipe.platform] = recipe
    return dict(sorted(recipes.items()))


def select(recipes: dict[str, Recipe], names: Sequence[str]) -> list[Recipe]:
    """The recipes asked for by name, or BadInput naming the unknown ones."""
    unknown = [n for n in names if n not in recipes]
    if unknown:
        known = ", ".join(recipes) or "none"
        raise BadInput(
            f"Unknown platform {', '.join(map(repr, unknown))}. Known platforms: {known} "
            "(see `optout list`)."
        )
    return [recipes[n] for n in dict.fromkeys(names)]
