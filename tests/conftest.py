"""Shared fixtures: a private data folder, an in-memory keyring, the practice platform, the CLI."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
import yaml
from click.testing import CliRunner, Result
from playwright.sync_api import Page

from optout.browser.launch import find_browser
from optout.cli.group import cli
from optout.domain.accounts import Account
from optout.practice import PracticePlatform, World
from optout.recipe import builtin_recipe_dir
from optout.store import DEFAULT_ACCOUNT, credentials
from tests.memory_keyring import MemoryKeyring

# Every process a test starts inherits this mark; one still running once the tests are done is a
# leak (a browser server left listening, a browser never closed).
LEAK_MARK = "OPTOUT_TEST_RUN"


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_tests() -> Iterator[None]:
    mark = secrets.token_hex(8)
    os.environ[LEAK_MARK] = mark
    yield
    left = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"{LEAK_MARK}={mark}".encode() in environ.read_bytes().split(b"\0"):
                pid = int(environ.parent.name)
                if pid != os.getpid():
                    left.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" "))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    assert not left, f"processes the tests started are still running: {left}"


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def optout_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "optout-home"
    monkeypatch.setenv("OPTOUT_HOME", str(home))
    # Never the person's own config file (its profile, notification URLs).
    monkeypatch.setenv("OPTOUT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("OPTOUT_RECIPE_PATH", raising=False)
    return home


def linkedin_toggle_recipe() -> str:
    """LinkedIn's recipe (YAML) without its objection form, for tests of the toggle and of
    sign-in (the form has its own tests in test_catalogue)."""
    text = (builtin_recipe_dir() / "linkedin" / "recipe.yaml").read_text()
    toggle = text[:text.index("\n  - id: data-processing-objection")] + "\n"
    assert [s["type"] for s in yaml.safe_load(toggle)["settings"]] == ["toggle"]
    return toggle


def approved(folder: Path) -> Path:
    """`folder`, every recipe in it approved by the person (`optout recipes approve`): what a
    test of a recipe that is not optout's own does before it may act."""
    from optout.domain.errors import RecipeError
    from optout.recipe.loading import load_recipe, recipe_files
    from optout.store.approvals import approve
    for path in recipe_files(folder):
        try:
            approve(load_recipe(path))
        except RecipeError:  # a recipe that does not load cannot be approved either
            continue
    return folder


@pytest.fixture
def linkedin_toggle_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "toggle-only-recipes"
    folder.mkdir()
    (folder / "linkedin.yaml").write_text(linkedin_toggle_recipe())
    monkeypatch.setenv("OPTOUT_RECIPE_PATH", str(approved(folder)))


SLOW_SECONDS = 1.5


@pytest.fixture(scope="session")
def practice_platform() -> Iterator[PracticePlatform]:
    """The practice platform, started once for the whole test session (18 servers)."""
    with PracticePlatform(World(slow_seconds=SLOW_SECONDS)) as platform:
        yield platform


@pytest.fixture
def practice(practice_platform: PracticePlatform) -> Iterator[PracticePlatform]:
    """The shared practice platform, as new: no users, nothing seen, nothing hung."""
    world = practice_platform.world
    world.reset(slow_seconds=SLOW_SECONDS)
    yield practice_platform
    unimplemented = list(world.unimplemented)
    world.reset(slow_seconds=SLOW_SECONDS)
    assert not unimplemented, f"a test asked for faults its twin lacks: {unimplemented}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright launches the same browser the tool would find."""
    return {**browser_type_launch_args, "executable_path": find_browser(None, headless=True)}


@dataclass
class Member:
    """A practice-platform user whose credentials are stored for optout."""

    username: str
    password: str
    account: str = DEFAULT_ACCOUNT


@pytest.fixture
def member(practice: PracticePlatform):
    """Factory: add a LinkedIn practice user and store their credentials in the keyring."""

    def make(*, faults: set[str] = frozenset(), on: bool = True, account: str = "default",
             username: str = "ada@example.com") -> Member:
        password = "pw-" + secrets.token_urlsafe(12)
        practice.world.add_user(username, password, faults=faults,
                                settings={"data-for-generative-ai-improvement": on})
        credentials.store(Account("linkedin", account, username, (practice.origin,)), password)
        return Member(username, password, account)

    return make


@pytest.fixture
def recorder():
    """An attacker's server recording everything it receives (tests/attacker.py)."""
    from tests.attacker import Recorder, serving

    with serving(Recorder()) as spy:
        yield spy


@pytest.fixture
def profile() -> None:
    """The person's profile, for the objection forms, and their yes to sending them in their
    name (the config's send_forms; tests/test_forms_consent.py asks without it)."""
    assert invoke("profile", "--name", "Ada Lovelace", "--email", "ada@example.com",
                  "--country", "United Kingdom").exit_code == 0
    say_yes_to_forms()


def say_yes_to_forms() -> None:
    config = Path(os.environ["OPTOUT_CONFIG"])
    config.write_text("send_forms = true\n" + (config.read_text() if config.exists() else ""))


@pytest.fixture
def inbox(practice: PracticePlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person reads codes from the practice platform's 'email' (passwordless sign-ins)."""
    from optout.practice.inbox import PracticeInbox

    monkeypatch.setattr("optout.signin.person.from_terminal", lambda: PracticeInbox(practice.world))


def invoke(*args: str, input: str | None = None) -> Result:
    """Run the CLI in-process, as a user would type it."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def outlined_pixels(page: Page, png: bytes | str) -> int:
    """How many pixels of a screenshot (its bytes, or a data: URL) are the evidence outline's
    colour (#ff00c8), counted by the browser."""
    if isinstance(png, bytes):
        png = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return page.evaluate("""async src => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const context = canvas.getContext("2d");
        context.drawImage(img, 0, 0);
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
            if (data[i] > 240 && data[i + 1] < 20 && Math.abs(data[i + 2] - 200) < 15) count++;
        }
        return count;
    }""", png)


def results_of(result: Result) -> list[dict]:
    return json.loads(result.stdout)["results"]


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """`--debug` points logging at the runner's stream; drop it when the test ends."""
    yield
    import logging

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
