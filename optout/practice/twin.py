"""Twins drawn from a description: a platform's documented sign-in page and settings pages.

Each twin is `recipes/<platform>/twin.yaml`, written from the platform's help pages independently of
its recipe: the same documented labels and paths, drawn as a platform draws them (switches saved
by a background request, menus, tabs, dialogs, objection forms with a confirmation). A recipe that
passes against its twin has been exercised on the page its help page describes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from optout.practice.linkedin import LATE_ANSWER_S
from optout.practice.world import World
from optout.recipe.loading import builtin_recipe_dir

# Drawn on every page of a user with the `new_ai_toggle` fault: a platform adding a toggle.
NEW_TOGGLE = {"key": "new-ai-assistant", "role": "switch", "default": "on",
              "label": "Use my content to train our new AI assistant"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SwitchSpec(_Spec):
    key: str
    label: str
    role: Literal["switch", "checkbox"] = "switch"
    default: Literal["on", "off"] = "on"
    # Turning it off asks first, in a dialog whose button says this (Alexa's "Turn Off"): nothing
    # is saved until it is clicked.
    confirm: str | None = None

    @field_validator("default", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: object) -> object:
        return ("on" if value else "off") if isinstance(value, bool) else value


class FieldSpec(_Spec):
    label: str
    kind: Literal["text", "email", "textarea", "select", "checkbox"] = "text"
    options: list[str] | None = None  # a select's choices (none: the list of countries)
    optional: bool = False


class ChoiceSpec(_Spec):
    """A state shown in words with a button (Google's "Keep Activity"): while on, the button
    opens a menu whose choices turn it off; while off, a button turns it on."""

    key: str
    label: str
    on_text: str | None = None  # a line saying the state, where the page has one
    off_text: str | None = None
    on_button: str  # shown while on; opens the menu
    off_button: str  # shown while off; turns it on
    choices: list[str]  # menu entries, each turning it off
    default: Literal["on", "off"] = "on"

    @field_validator("default", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: object) -> object:
        return ("on" if value else "off") if isinstance(value, bool) else value


class FormSpec(_Spec):
    key: str
    title: str | None = None
    fields: list[FieldSpec]
    submit: str
    confirmation: str  # {reference} is replaced by the reference the twin hands out


class LinkSpec(_Spec):
    text: str
    to: str


class MenuItemSpec(_Spec):
    """A menu entry: a link to a page, or a button opening a dialog."""

    text: str
    to: str | None = None
    dialog: DialogSpec | None = None


class MenuSpec(_Spec):
    button: str
    items: list[MenuItemSpec]


class TabSpec(_Spec):
    tab: str
    blocks: list[Block]
    hash: str | None = None  # an address fragment that opens this tab (and its dialog)


class DialogSpec(_Spec):
    button: str | None = None  # the button that opens it (none inside a menu: the item does)
    row: str | None = None  # the row's words beside the button, when it opens from a row
    title: str
    blocks: list[Block]
    close: str = "Close"  # the button that closes it ("Done")
    opened: bool = False  # drawn open (an overlay its page's address opens)


class Block(_Spec):
    """One thing drawn on a page; exactly one of its keys is set."""

    text: str | None = None
    heading: str | None = None
    switch: SwitchSpec | None = None
    link: LinkSpec | None = None
    menu: MenuSpec | None = None
    tabs: list[TabSpec] | None = None
    dialog: DialogSpec | None = None
    form: FormSpec | None = None
    choice: ChoiceSpec | None = None


class PageSpec(_Spec):
    path: str
    query: dict[str, str] = Field(default_factory=dict)  # drawn only for this query
    title: str
    blocks: list[Block]


class SignInSpec(_Spec):
    # Where the live platform's sign-in pages are when not on its own origin (public evidence):
    # the twin serves them on a second origin of its own, beside the platform's (PracticePlatform
    # `sign_in_origins`), and hands the signed-in person back with a one-time ticket.
    elsewhere: str | None = None
    # The path on the platform's own origin that sends a visitor there (ChatGPT's /auth/login).
    start: str | None = None
    path: str
    username: str
    next: str | None = None
    password: str | None = None  # None: passwordless, a code is emailed after `next`
    code: str | None = None  # the code field's label on passwordless sites
    code_text: str = "We sent a verification code to your email address."
    code_in_place: bool = False  # the code field appears on the same page (a single-page app)
    submit: str
    rejected: str = "Wrong password"


class ConsentSpec(_Spec):
    """The platform's cookie banner as it is built live, from the DuckDuckGo autoconsent rule
    that refuses it (`rule`, its name): markup whose buttons carry data-consent (accept or
    reject) and, on the reject button, data-stores (the cookie the live site keeps)."""

    rule: str
    html: str


class WitnessSpec(_Spec):
    """A JSON answer the platform's pages load a setting's state from (public evidence names
    it): served at `path` from the stored state, the value at `at` (dotted keys)."""

    path: str
    key: str
    at: str

    def answer(self, enabled: bool) -> dict[str, object]:
        body: object = enabled
        for part in reversed(self.at.split(".")):
            body = {part: body}
        assert isinstance(body, dict)
        return body


class TwinSpec(_Spec):
    platform: str
    name: str
    sign_in: SignInSpec | None = None  # None: pages added to a hand-written twin (LinkedIn)
    home: str = "/home"
    pages: list[PageSpec] = Field(default_factory=list)
    # What the practice account says of itself where a recipe asks (a Tumblr blog's name).
    details: dict[str, str] = Field(default_factory=dict)
    # The controls that public evidence says a person switches to keep their data from AI: a run
    # of the platform's recipe must leave each one out of its default.
    opt_outs: list[str] = Field(default_factory=list)
    witnesses: list[WitnessSpec] = Field(default_factory=list)
    # How the platform shows who is signed in, on every page (public evidence): a handle in the
    # navigation's profile link, the Google Account chip's email, or the email in the session
    # answer the page loads (/api/auth/session).
    identity: Literal["handle", "google-chip", "session-json"] | None = None
    consent: ConsentSpec | None = None

    def builds(self) -> list[str]:
        """The builds (world.BUILDS) that draw this twin differently from its standard one:
        `other-roles` and `pressed` where it has an on/off control, `hinted` where it has a menu
        of choices, `lies` where its pages load a state from a JSON answer, `wanders` where it
        has anything to read, `other-words`, `label-only` and `placeholder-only` where it has a
        sign-in page, `email-first` where that page asks the email and password at once,
        `live-consent` where it knows its live cookie banner."""
        blocks = [b for page in self.pages for b in _every_block(page.blocks)]
        return ["standard",
                *(["other-roles", "pressed"] if any(b.switch for b in blocks) else []),
                *(["wanders"] if any(b.switch or b.choice for b in blocks) else []),
                *(["other-words", "label-only", "placeholder-only"] if self.sign_in else []),
                *(["email-first"] if self.sign_in and not self.sign_in.next else []),
                *(["hinted"] if any(b.choice for b in blocks) else []),
                *(["lies"] if self.witnesses else []),
                *(["live-consent"] if self.consent else [])]

    def documented_defaults(self) -> dict[str, bool]:
        """Each of `opt_outs` with its default (True: on)."""
        drawn = {k: v for page in self.pages for k, v in _switches(page.blocks).items()}
        return {key: drawn[key].default == "on" for key in self.opt_outs}


TabSpec.model_rebuild()
DialogSpec.model_rebuild()
MenuItemSpec.model_rebuild()
MenuSpec.model_rebuild()

# Countries a twin's country list offers.
COUNTRIES = ["Austria", "Belgium", "Brazil", "Canada", "France", "Germany", "India", "Ireland",
             "Italy", "Netherlands", "Norway", "Poland", "Spain", "Sweden", "Switzerland",
             "United Kingdom", "United States"]


def load_specs(folder: Path | None = None) -> dict[str, TwinSpec]:
    """Every twin, by platform: each platform's folder of recipes/ holds its twin.yaml."""
    specs = {}
    for path in sorted((folder or builtin_recipe_dir()).glob("*/twin.yaml")):
        spec = TwinSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        specs[spec.platform] = spec
    return specs


def world() -> World:
    return current_app.extensions["optout_world"]


def _every_block(blocks: list[Block]) -> Iterator[Block]:
    """Every block, and every block inside tabs, dialogs and menus' dialogs, in page order."""
    for block in blocks:
        yield block
        for tab in block.tabs or []:
            yield from _every_block(tab.blocks)
        menu_dialogs = [item.dialog for item in block.menu.items if item.dialog] if block.menu else []
        for dialog in [block.dialog, *menu_dialogs] if block.dialog else menu_dialogs:
            yield from _every_block(dialog.blocks)


def _switches(blocks: list[Block]) -> dict[str, SwitchSpec | ChoiceSpec]:
    """Everything with an on/off state the server keeps, by key."""
    return {**{b.switch.key: b.switch for b in _every_block(blocks) if b.switch},
            **{b.choice.key: b.choice for b in _every_block(blocks) if b.choice}}


def _forms(blocks: list[Block]) -> dict[str, FormSpec]:
    return {b.form.key: b.form for b in _every_block(blocks) if b.form}


# The faults a described twin implements (every other one is LinkedIn's hand-written twin's).
TWIN_FAULTS = frozenset({"reject_password", "save_lost", "slow_save", "new_ai_toggle",
                         "switched_account",
                         "late_draw", "cached_state", "beacons", "long_poll", "websocket",
                         "consent"})


def pages_blueprint(spec: TwinSpec, current_user: Callable[[], str | None],
                    login_url: Callable[[str], str],
                    implemented: frozenset[str] | None = None) -> Blueprint:
    """The twin's settings pages, its save endpoint and its forms, for signed-in users.

    `implemented` names the faults the twin implements (None: all of them).
    """
    blueprint = Blueprint(f"{spec.platform}_pages", __name__, template_folder="templates")
    switches: dict[str, SwitchSpec | ChoiceSpec] = {
        k: v for page in spec.pages for k, v in _switches(page.blocks).items()}
    switches[NEW_TOGGLE["key"]] = SwitchSpec(**NEW_TOGGLE)
    forms = {k: v for page in spec.pages for k, v in _forms(page.blocks).items()}

    def members_only(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user():
                return redirect(login_url(request.path))
            if implemented is not None:
                world().require_faults(current_user(), implemented, spec.platform)
            return view(*args, **kwargs)
        return wrapper

    def member() -> str:
        """The signed-in user, in a view behind `members_only`."""
        username = current_user()
        assert username is not None, "members_only lets only signed-in visitors through"
        return username

    def state(key: str) -> bool:
        return world().setting(member(), key, switches[key].default == "on")

    def shown_identity(username: str, switched: bool) -> str:
        """Who the page says is signed in: the user (a handle is the username without its @, or
        an email's local part), or someone else after an account switch."""
        who = "someone_else@example.com" if switched else username
        if spec.identity == "handle":
            return who.lstrip("@").split("@")[0] if "@" in who.lstrip("@") else who.lstrip("@")
        return who

    def make_view(variants: list[PageSpec]):
        """One address; the variant whose query matches (a settings overlay opened by
        `?_s=data`), else the one without a query."""
        @members_only
        def view(**_path_parts: str):  # a page of one blog (/settings/blog/<blog>) has parts
            page = next((v for v in variants if v.query and all(
                request.args.get(k) == want for k, want in v.query.items())),
                next((v for v in variants if not v.query), None))
            if page is None:
                return "Not found", 404
            username = member()
            world().count_settings_load(username)
            world().languages.append(request.headers.get("Accept-Language", ""))
            extra = Block(switch=SwitchSpec(**NEW_TOGGLE)) \
                if world().has_fault(username, "new_ai_toggle") else None
            blocks = [*page.blocks, extra] if extra else page.blocks
            late = world().has_fault(username, "late_draw")
            # Drawn from the JSON answer, when the page loads its state from one; off at first.
            answered = {w.key for w in spec.witnesses}
            return render_template(
                "twin/page.html", spec=spec, page=page, blocks=blocks,
                shown_as=shown_identity(username, world().has_fault(username, "switched_account")),
                state=(lambda key: False if late or key in answered else state(key)),
                countries=COUNTRIES, wanders="wanders" in spec.builds(),
                confirmation=None, late_draw=late,
                cached_state=world().has_fault(username, "cached_state"))
        view.__name__ = "page_" + re.sub(r"\W", "_", variants[0].path.strip("/"))
        return view

    by_path: dict[str, list[PageSpec]] = {}
    for page in spec.pages:
        by_path.setdefault(page.path, []).append(page)
    for path, variants in by_path.items():
        blueprint.add_url_rule(path, view_func=make_view(variants), methods=["GET"])

    @blueprint.get("/__practice/settings/<key>")
    @members_only
    def read(key: str):
        if key not in switches:
            return jsonify(error="no such setting"), 404
        if world().has_fault(member(), "late_draw"):
            world().stopping.wait(LATE_ANSWER_S)
        return jsonify(key=key, enabled=state(key))

    def witness_view(witness: WitnessSpec):
        @members_only
        def answer():
            return jsonify(witness.answer(state(witness.key)))
        answer.__name__ = "witness_" + re.sub(r"\W", "_", witness.path.strip("/"))
        return answer

    for witness in spec.witnesses:
        blueprint.add_url_rule(witness.path, view_func=witness_view(witness), methods=["GET"])

    if spec.identity == "session-json":
        @blueprint.get("/api/auth/session")
        def session_answer():
            username = current_user()
            if not username:
                return jsonify({})
            switched = world().has_fault(username, "switched_account")
            return jsonify(user={"name": "Ada Lovelace",
                                 "email": shown_identity(username, switched)})

    @blueprint.post("/__practice/settings/<key>")
    def save(key: str):
        username = current_user()
        if not username:
            return jsonify(error="sign in"), 401
        if key not in switches:
            return jsonify(error="no such setting"), 404
        answer = request.get_json(silent=True) or {}
        enabled = bool(answer.get("enabled"))
        if answer.get("destructive"):  # it deletes what the person has: never what optout wants
            world().destructive_clicks.append(key)
        world().count_save_request(username)
        if world().has_fault(username, "save_lost") or (world().build == "lies"
                                                          and spec.witnesses):
            return jsonify(key=key, enabled=enabled)  # acknowledged, never stored
        world().store(username, key, enabled)
        return jsonify(key=key, enabled=enabled)

    @blueprint.post("/__practice/forms/<key>")
    @members_only
    def submit_form(key: str):
        form = forms.get(key)
        if form is None:
            return "No such form", 404
        answers = {f.label: request.form.get(f"field-{i}", "").strip()
                   for i, f in enumerate(form.fields)}
        missing = [f.label for f in form.fields if not f.optional and not answers[f.label]]
        page = next(p for p in spec.pages if key in _forms(p.blocks))
        if missing:
            return render_template("twin/page.html", spec=spec, page=page, blocks=page.blocks,
                                   state=state, countries=COUNTRIES, confirmation=None,
                                   error=f"Please complete: {', '.join(missing)}."), 400
        reference = world().submit_form(member(), spec.platform, key, answers)
        if world().has_fault(member(), "slow_save"):
            world().stopping.wait(world().slow_seconds)  # kept, but answered late
        return render_template("twin/page.html", spec=spec, page=page, blocks=[],
                               state=state, countries=COUNTRIES,
                               confirmation=form.confirmation.replace("{reference}", reference))

    return blueprint


def local_path(target: str | None, default: str) -> str:
    """Only ever redirect within this site."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    return parts.path
