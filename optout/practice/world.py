"""The practice platform's server-side state: users, their settings, and injected faults."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

FAULTS = {
    "reject_password": "every password is refused",
    "save_rejected": "saving a setting answers HTTP 500 and the page says so",
    "save_lost": "saving answers 200 and the page shows the change, but nothing is stored",
    "slow_save": "the save request takes `slow_seconds` to answer, then the change is stored "
                 "(a twin's form: stored at once, answered late)",
    "late_store": "the save answers at once; the change is stored `slow_seconds` later",
    "late_draw": "the settings page draws its switches off at once, with nothing marked busy; "
                 "it asks for the stored state 0.7 s later and the platform answers 1.5 s after",
    "cached_state": "the settings page keeps each switch's state in the browser's localStorage "
                    "and, once it has it there, draws the switch from that copy",
    # What real pages do on every page (see REALISTIC); set for everyone with `World.everyone`.
    "beacons": "every page sends an analytics beacon every 250 ms, as long as it is open",
    "long_poll": "every page holds a long-poll request open (answered after 25 s, then again)",
    "websocket": "every page keeps a WebSocket open that the platform pushes to every 500 ms",
    "consent": "a modal cookie dialog (Accept all / Reject all) covers every page until answered",
    "unusual_sign_in": "after the password, a code is 'emailed' (kept in `sent_codes`) and asked for",
    "security_check": "after the password, a CAPTCHA-style check that only a person can pass",
    "switched_account": "the pages show another account's identity as the signed-in one (an "
                        "account switcher left on someone else)",
    "app_approval": "after the password, a page asks to approve the sign-in in the platform's "
                    "phone app (no field, no button optout knows)",
    "hang": "settings pages never finish loading",
    "flaky": "the first load of a settings page answers HTTP 503",
    "recheck": "a signed-in session is sent once to the emailed-code page before settings",
    "new_ai_toggle": "the platform has added an AI toggle no recipe knows yet (twins only)",
}


# Builds of every twin: the same public facts, drawn as a platform's next build may draw them.
# A recipe right about the platform holds on each (tests/test_catalogue.py, the matrix in docs/catalogue.md).
BUILDS = {
    "standard": "as the twin's evidence describes the page",
    "other-roles": "every on/off control in the other form the platforms' component libraries "
                   "use: a switch drawn as a native checkbox under its label, a checkbox as a "
                   "role=switch",
    "pressed": "every on/off control drawn as a toggle button whose state is aria-pressed",
    "reworded": "the sign-in's code pages in other words (\"Enter the 6-digit code from your "
                "authenticator app\", a box labelled \"Enter code\", a \"Verify\" button)",
    "lies": "where the page loads a state from a JSON answer (a witness), it draws every such "
            "switch off whatever the answer says, and saves answer 200 but are never stored",
    "wanders": "every settings page goes by itself, 0.4 s after it loads, to the same address "
               "on another origin (localhost for 127.0.0.1)",
    "other-words": "the sign-in page's same form (autofill hints, input types, one submit "
                   "button) in words no recipe knows: \"Email address or mobile number\", "
                   "\"Enter your password\", \"Continue\"",
    "label-only": "the sign-in page names each box by its <label> only, with no placeholder",
    "placeholder-only": "the sign-in page names each box by its placeholder only, with no "
                        "<label>",
    "email-first": "the sign-in asks the email on one page and the password on the next, where "
                   "the platform asked both on one",
    "live-consent": "the cookie banner drawn as the platform builds it live, as DuckDuckGo "
                    "autoconsent's rule for it describes it (LinkedIn's global alert bar, "
                    "OpenAI's cookieConsentTitle region, …), where the twin has one",
    "hinted": "menu choices carry hint text (\"Turn off · 1 step\"), and the destructive "
              "neighbour (\"Turn off and delete activity · 2 steps\") is listed first",
}

# The matrix's cell for a recipe that refused the `lies` build's page (its witness disagreed).
CAUGHT = "caught: the page lied"
# ... and for one that read nothing on the `wanders` build's pages once they had gone elsewhere.
STAYED = "caught: the page wandered"

# How real platforms' pages behave for everyone: the demo and the benchmark run with these.
REALISTIC = frozenset({"beacons", "long_poll", "websocket", "consent"})


@dataclass(frozen=True)
class Submission:
    """An objection form as the platform received it."""

    platform: str
    form: str
    answers: dict[str, str]
    reference: str


@dataclass
class PracticeUser:
    username: str
    password: str
    settings: dict[str, bool] = field(default_factory=dict)
    faults: set[str] = field(default_factory=set)
    totp_secret: str | None = None  # two-step verification with an authenticator app
    # What the platform saw and did, so tests can tell "left alone" from "changed back".
    sign_ins: int = 0
    save_requests: int = 0
    settings_loads: int = 0
    sent_codes: list[str] = field(default_factory=list)
    security_check_passed: bool = False
    submissions: list[Submission] = field(default_factory=list)
    session_generation: int = 0  # bumped to expire every session of the user
    rechecked: bool = False  # the `recheck` fault has been answered


class World:
    """Every practice user and their settings; safe to use from the server's threads."""

    def __init__(self, slow_seconds: float = 2.0, everyone: frozenset[str] = frozenset(),
                 kept_settings: dict[str, dict[str, bool]] | None = None):
        self.slow_seconds = slow_seconds
        # Settings kept from an earlier start, given back to each user as they are added.
        self.kept_settings = dict(kept_settings or {})
        # Faults of every visitor, signed in or not (a cookie dialog greets strangers too).
        self.everyone: frozenset[str] = everyone
        # The long-poll's address: LinkedIn's own realtime endpoint unless a test asks otherwise.
        self.long_poll_path = "/realtime/connect"
        # How visitors answered the cookie dialog ("accepted" / "rejected"), in order.
        self.consent_answers: list[str] = []
        self._users: dict[str, PracticeUser] = {}
        self.build = "standard"  # how every twin draws its pages (BUILDS)
        # Choices clicked that delete or widen something (a build's destructive neighbour).
        self.destructive_clicks: list[str] = []
        # Session cookie values handed out, so tests can search for them where they must not be.
        self.issued_cookies: list[str] = []
        # Every (username, password) posted to the sign-in form, accepted or not.
        self.sign_in_attempts: list[tuple[str, str]] = []
        # The Accept-Language of every settings page load (the browser's locale).
        self.languages: list[str] = []
        self._lock = threading.Lock()
        self._tickets: dict[str, tuple[str, str]] = {}
        # Who came over from a sign-in origin to the platform's own, in order.
        self.handovers: list[str] = []
        self.pages_loaded: list[str] = []  # LinkedIn's twin's pages, by path, as loaded
        self.stopping = threading.Event()  # ends the `hang` fault's endless page loads
        # Told of each code "emailed" (`optout practice` prints it, as a person's inbox would).
        self.on_code: Callable[[str, str], None] | None = None
        # Saves being handled at this moment, and the most ever at once (politeness limits).
        self.saves_in_flight = 0
        self.most_saves_at_once = 0
        # Faults asked of a twin that does not implement them: a test that relies on one would
        # pass without exercising anything, so the tests fail on any entry here.
        self.unimplemented: list[str] = []

    def reset(self, slow_seconds: float | None = None) -> None:
        """Forget every user and everything seen, as a new platform would (the tests share one
        running platform); pages hung by the `hang` fault are let go first."""
        self.stopping.set()
        with self._lock:
            self._users.clear()
            self.issued_cookies.clear()
            self.sign_in_attempts.clear()
            self.languages.clear()
            self.saves_in_flight = 0
            self.most_saves_at_once = 0
            self.unimplemented.clear()
            self.consent_answers.clear()
            self.everyone = frozenset()
            self.build = "standard"
            self.destructive_clicks.clear()
            self._tickets.clear()
            self.handovers.clear()
            self.pages_loaded.clear()
            self.long_poll_path = "/realtime/connect"
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds
        self.stopping = threading.Event()

    def add_user(self, username: str, password: str, *, settings: dict[str, bool] | None = None,
                 faults: set[str] | frozenset[str] = frozenset(),
                 totp_secret: str | None = None) -> PracticeUser:
        unknown = set(faults) - FAULTS.keys()
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        if settings is None:
            settings = self.kept_settings.get(username)
        user = PracticeUser(username, password, dict(settings or {}), set(faults), totp_secret)
        with self._lock:
            self._users[username] = user
        return user

    def user(self, username: str) -> PracticeUser | None:
        with self._lock:
            return self._users.get(username)

    def known_user(self, username: str) -> PracticeUser:
        """A user known to exist: signed in, or past the password."""
        with self._lock:
            return self._users[username]

    def check_password(self, username: str, password: str) -> bool:
        with self._lock:
            self.sign_in_attempts.append((username, password))
        user = self.user(username)
        return bool(user and "reject_password" not in user.faults and user.password == password)

    def require_faults(self, username: str | None, implemented: frozenset[str], twin: str) -> None:
        """Note the user's faults that this twin does not implement (see `unimplemented`)."""
        user = self.user(username) if username else None
        missing = sorted(user.faults - implemented) if user else []
        if missing:
            with self._lock:
                self.unimplemented.append(f"the {twin} twin does not implement {', '.join(missing)}")

    def has_fault(self, username: str | None, fault: str) -> bool:
        """Whether the user (or every visitor) meets `fault`."""
        user = self.user(username) if username else None
        return fault in self.everyone or bool(user and fault in user.faults)

    def setting(self, username: str, key: str, default: bool = True) -> bool:
        """A setting's stored value; platforms ship these switched on by default."""
        with self._lock:
            return self._users[username].settings.get(key, default)

    def expire_sessions(self, username: str) -> None:
        """Sign the user out everywhere, the way a platform expires old sessions."""
        with self._lock:
            self._users[username].session_generation += 1

    def pass_security_check(self, username: str) -> None:
        """What a person does by hand: solve the check the tool must never solve."""
        with self._lock:
            self._users[username].security_check_passed = True

    def send_code(self, username: str) -> str:
        code = f"{secrets.randbelow(10**6):06d}"
        with self._lock:
            self._users[username].sent_codes.append(code)
        if self.on_code is not None:
            self.on_code(username, code)
        return code

    def hand_over(self, username: str, target: str) -> str:
        """A one-time ticket the platform's own origin takes from its sign-in origin (as an
        OAuth code is): who signed in, and where they were going."""
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._tickets[ticket] = (username, target)
        return ticket

    def take_ticket(self, ticket: str) -> tuple[str, str] | None:
        with self._lock:
            taken = self._tickets.pop(ticket, None)
            if taken is not None:
                self.handovers.append(taken[0])
            return taken

    def count_sign_in(self, username: str) -> None:
        with self._lock:
            self._users[username].sign_ins += 1

    def count_settings_load(self, username: str) -> int:
        with self._lock:
            self._users[username].settings_loads += 1
            return self._users[username].settings_loads

    def count_save_request(self, username: str) -> None:
        with self._lock:
            self._users[username].save_requests += 1

    def save_started(self) -> None:
        with self._lock:
            self.saves_in_flight += 1
            self.most_saves_at_once = max(self.most_saves_at_once, self.saves_in_flight)

    def save_ended(self) -> None:
        with self._lock:
            self.saves_in_flight -= 1

    def submit_form(self, username: str, platform: str, form: str, answers: dict[str, str]) -> str:
        """Keep a submitted form; its reference, as the platform's confirmation shows it."""
        reference = f"{platform[:2].upper()}-{secrets.randbelow(10**8):08d}"
        with self._lock:
            self._users[username].submissions.append(Submission(platform, form, answers, reference))
        return reference

    def all_settings(self) -> dict[str, dict[str, bool]]:
        """Every user's stored settings, to keep between starts of the practice platform."""
        with self._lock:
            return {name: dict(user.settings) for name, user in self._users.items()}

    def store(self, username: str, key: str, value: bool) -> None:
        with self._lock:
            self._users[username].settings[key] = value
