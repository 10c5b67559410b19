"""Repairing a recipe with a person's help: `optout teach PLATFORM [SETTING]`.

In a visible browser optout goes as far as the recipe gets. Where a step's element or the control
is not found, it asks the person to click what they would click: each click on something that is
not an on/off control becomes a step (and is made), and the click on a switch or checkbox names
the control (it is not switched by the teaching). Each element is recorded the way recipes find
things: role and accessible name, else label, else text, CSS only as a last resort. The repaired
recipe is written to the user recipe folder (the original file's comments and layout kept), the
setting is run again with it and verified on a fresh load, and a diff against the recipe it
started from is printed, ready to share.
"""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, async_playwright
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from optout.app.runner import RunOptions
from optout.browser.contexts import new_context
from optout.browser.evidence import snapshot_nodes
from optout.browser.launch import launch
from optout.browser.locate import ControlNotFound, find
from optout.browser.own import attach, open_profile, profile_of
from optout.domain.errors import NeedsHuman
from optout.domain.results import Mode
from optout.domain.targets import AriaRole, Target
from optout.engine.account import AccountRun
from optout.engine.scan import Finding, ScanReport
from optout.kinds import SettingBase as Setting
from optout.kinds.steps import Step
from optout.kinds.toggle import ToggleSetting
from optout.recipe import Recipe
from optout.recipe.job import Job, Resources
from optout.signin.person import Person
from optout.store.files import private_dir, write_private

MAX_CLICKS = 8  # steps and the control, at most, in one teaching
TAUGHT = "[data-optout-taught]"
# Waits for the person's next click anywhere on the page, keeps it from acting, and marks the
# element clicked (the control a label stands for, the button a span sits in).
CAPTURE_SCRIPT = """() => { window.__optoutTeach = new Promise(resolve => {
  const take = event => {
    event.preventDefault(); event.stopPropagation();
    document.removeEventListener("click", take, true);
    let el = event.target.closest(
      "[role], button, a, input, select, textarea, label, summary") || event.target;
    if (el.tagName === "LABEL" && el.control) el = el.control;
    el.setAttribute("data-optout-taught", "");
    resolve(true);
  };
  document.addEventListener("click", take, true);
}); }"""
_ON_OFF_ROLES = {"switch", "checkbox", "menuitemcheckbox"}


@dataclass
class Lesson:
    """What the person showed for one setting: the steps and the control, as recipe targets."""

    setting: str
    steps: list[Step]
    control: Target | None  # None: the recipe's control was found, nothing to teach


async def learn(run: AccountRun, setting: ToggleSetting, teacher: Person,
                wait_ms: float) -> Lesson:
    """Go as far as the recipe gets; ask the person from where it stops."""
    await run.open(run.recipe.url(setting.path))
    steps: list[Step] = []
    for step in setting.steps:
        await run.settled()
        try:
            await step.perform(run)
        except ControlNotFound:
            return await _from_the_person(run, setting, teacher, steps, wait_ms,
                                          f"what leads to {setting.title} ({step.describe()} "
                                          f"is not there), then the control itself")
        steps.append(step)
    await run.settled()
    try:
        await find(run.page, setting.control, run.limits.control_ms)
    except ControlNotFound:
        return await _from_the_person(run, setting, teacher, steps, wait_ms,
                                      f"the control for {setting.title} (and anything to click "
                                      "on the way to it)")
    return Lesson(setting.id, steps, None)


async def _from_the_person(run: AccountRun, setting: ToggleSetting, teacher: Person,
                           steps: list[Step], wait_ms: float, what: str) -> Lesson:
    for _ in range(MAX_CLICKS):
        await run.settled()
        page = run.page
        await page.evaluate(CAPTURE_SCRIPT)
        await teacher.point_at(page, what)
        await page.wait_for_function("() => window.__optoutTeach", timeout=wait_ms)
        await page.evaluate("() => window.__optoutTeach")
        run.stay_on_platform("record what you clicked")
        clicked = page.locator(TAUGHT)
        target, role = await describe_element(page, clicked)
        await clicked.evaluate("el => el.removeAttribute('data-optout-taught')")
        if role in _ON_OFF_ROLES:
            return Lesson(setting.id, steps, target)
        steps.append(Step(click=target))
        await run.click(await find(page, [target], run.limits.control_ms), target.describe())
        run.require_allowed(page.url)
        what = f"the next thing on the way to {setting.title}, or its control"
    raise NeedsHuman(f"No on/off control for {setting.title} was clicked within {MAX_CLICKS} "
                     "clicks; nothing was written.")


async def describe_element(page: Page, element: Locator) -> tuple[Target, str]:
    """The element as a recipe finds it, and its role: the first of role and name, label, text
    and CSS that finds this element alone on the page."""
    nodes = snapshot_nodes(await element.aria_snapshot())
    role, name = (nodes[0][0], nodes[0][1]) if nodes else ("", "")
    candidates: list[Target] = []
    if role in AriaRole.__args__ and name:  # type: ignore[attr-defined]
        candidates += [Target(role=role, name=name), Target(role=role, name=name, exact=True)]
    label = await element.evaluate(
        "el => el.labels && el.labels.length ? el.labels[0].innerText.trim() : ''")
    if label:
        candidates.append(Target(label=label, exact=True))
    text = " ".join((await element.inner_text()).split())
    if text and len(text) <= 80:
        candidates.append(Target(text=text, exact=True))
    if not candidates:  # a control a person cannot read is not one a recipe may click
        raise NeedsHuman("The element clicked has no name, label or text that a person could "
                         "read; optout never records a nameless control. Nothing was written.")
    for target in candidates:
        if await _finds_only(page, target, element):
            return target, role
    css = await element.evaluate(
        """el => el.id ? `#${CSS.escape(el.id)}` : el.getAttribute("name")
            ? `${el.tagName.toLowerCase()}[name="${el.getAttribute("name")}"]` : "" """)
    if css and await _finds_only(page, Target(css=css), element):
        return Target(css=css), role
    raise NeedsHuman("The element clicked cannot be told apart from others on the page by its "
                     "role, name, label, text or id; a recipe cannot find it reliably.")


async def _finds_only(page: Page, target: Target, element: Locator) -> bool:
    from optout.browser.locate import locator_for

    found = locator_for(page, target).filter(visible=True)
    if await found.count() != 1:
        return False
    return bool(await found.evaluate("(el, marked) => el === marked",
                                     await element.element_handle()))


async def teach_job(job: Job, resources: Resources, options: RunOptions,
                    teacher: Person) -> list[Lesson]:
    """A lesson for each of the job's toggles, in a visible browser (headless in tests), or in
    the person's own (`--cdp`) or profile folder (`--profile`)."""
    async with async_playwright() as playwright:
        browser = await (attach(playwright, options.cdp) if options.cdp else
                         launch(playwright, explicit=options.browser,
                                headed=not (options.hand_off_headless or options.profile_dir)))
        profile = (await open_profile(playwright, options.profile_dir, explicit=options.browser,
                                      headed=not options.hand_off_headless)
                   if options.profile_dir else None)
        own = profile_of(browser) if options.cdp else profile
        try:
            context = own or await new_context(
                browser, resources.sessions.load(job.account, job.recipe.origin))
            run = AccountRun(context, job, Mode.CHECK, resources, limits=options.limits,
                             own_browser=own is not None, fresh_browser=browser)
            try:
                return [await learn(run, setting, teacher, options.limits.by_hand_ms)
                        for setting in job.settings if isinstance(setting, ToggleSetting)]
            finally:
                await run.close()
        finally:
            if profile is not None:
                await profile.close()
            await browser.close()  # with --cdp: disconnects, the person's browser stays


# --- the repaired recipe -----------------------------------------------------------------------


def repaired(recipe: Recipe, lessons: list[Lesson]) -> str:
    """The recipe's file with each lesson applied: taught steps replace the recipe's, a taught
    control goes first (the old targets stay as fallbacks). Comments and layout are kept."""
    assert recipe.file is not None, "recipes are loaded from files"
    yaml = _round_trip()
    data = yaml.load(recipe.file.read_text(encoding="utf-8"))
    for lesson in lessons:
        entry = next(s for s in data["settings"] if s["id"] == lesson.setting)
        if lesson.steps or "steps" in entry:
            # `- click: {role: tab, name: Privacy}`, as the recipes write steps, before `control`
            steps = [CommentedMap({step.kind.name: _flow(_plain(step.value))})
                     for step in lesson.steps]
            if "steps" in entry:
                entry["steps"] = steps
            else:
                entry.insert(list(entry).index("control"), "steps", steps)
        if lesson.control is not None:
            old = entry["control"]
            entry["control"] = [_flow(_plain(lesson.control)),
                                *(old if isinstance(old, list) else [old])]
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def added(findings: list[Finding], where: dict[str, Setting], text: str) -> str:
    """`text` (a recipe file) with a new toggle for each AI control `scan` found uncovered on the
    recipe's pages: reached as the setting whose page it was on, desired off."""
    yaml = _round_trip()
    data = yaml.load(text)
    ids = {s["id"] for s in data["settings"]}
    for finding in findings:
        near = where[finding.page]
        new_id = _slug(finding.name, ids)
        ids.add(new_id)
        entry = CommentedMap({"id": _flow(new_id), "title": _flow(finding.name), "type": "toggle",
                              "path": near.path})
        if near.steps:
            entry["steps"] = [CommentedMap({step.kind.name: _flow(_plain(step.value))})
                              for step in near.steps]
        entry["control"] = [_flow({"role": finding.role, "name": finding.name})]
        entry["desired"] = "off"
        entry["source"] = str(data["origin"]).rstrip("/") + near.path
        entry.yaml_add_eol_comment("seen on this page by optout teach; not yet from a help page",
                                   "source")
        entry["live_verified"] = None
        data["settings"].append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def uncovered(reports: list[ScanReport]) -> list[Finding]:
    """The on/off AI controls a scan found that no setting covers and none is left alone."""
    return [f for report in reports for f in report.findings
            if f.covered_by is None and f.left_alone is None and f.role in _ON_OFF_ROLES
            and f.state is not None]


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48].strip("-") or "setting"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _round_trip() -> YAML:
    yaml = YAML()  # round trip: a person's diff shows what changed, nothing else
    yaml.width = 4096  # never fold a line the recipe did not fold
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), lambda dumper, _: dumper.represent_scalar(
        "tag:yaml.org,2002:null", "null"))
    return yaml


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_defaults=True) if isinstance(value, Target) else value


def _flow(value: Any) -> Any:
    """A mapping written on one line, as the recipes write targets; a word the loader's YAML 1.1
    would read as something else (a control named "On", "No" or "Null") quoted."""
    if isinstance(value, str):
        return DoubleQuotedScalarString(value) if _NOT_A_STRING_IN_YAML_1_1.match(value) else value
    if isinstance(value, list):
        return [_flow(item) for item in value]
    if not isinstance(value, dict):
        return value
    flow = CommentedMap({k: _flow(v) for k, v in value.items()})
    flow.fa.set_flow_style()
    return flow


# Plain words that PyYAML (YAML 1.1, the recipe loader) reads as booleans, null or numbers.
_NOT_A_STRING_IN_YAML_1_1 = re.compile(
    r"^(y|n|yes|no|true|false|on|off|null|~|[-+]?[0-9][0-9_.:]*|\.(inf|nan))$", re.IGNORECASE)


def write_override(folder: Path, recipe: Recipe, text: str) -> Recipe:
    """Write the repaired recipe into the user recipe folder once it loads, takes no power a
    recipe may not take, and the person approved it (shown `diff` first): the recipe written.
    RecipeError or BadInput, with the earlier file left as it was, otherwise."""
    from optout.recipe.loading import load_recipe, require_powers
    from optout.store.approvals import approve

    with tempfile.TemporaryDirectory() as scratch:  # checked before anything is replaced
        trial = Path(scratch) / f"{recipe.platform}.yaml"
        trial.write_text(text, encoding="utf-8")
        require_powers(load_recipe(trial))
    path = write_private(private_dir(folder) / f"{recipe.platform}.yaml", text)
    written = load_recipe(path)
    approve(written)  # the person taught it: what they clicked is what it does
    return written
