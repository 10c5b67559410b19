"""LinkedIn's twin: the sign-in flow and "Data for Generative AI Improvement", as documented.

Paths and labels follow LinkedIn's help pages: the setting,
https://www.linkedin.com/help/linkedin/answer/a6278444, and two-step verification,
https://www.linkedin.com/help/linkedin/answer/a544. After the password the twin may ask, in this
order, for a security check, an authenticator code and a code sent by email.
"""

from __future__ import annotations

import threading
from functools import wraps
from urllib.parse import urlsplit

import pyotp
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from optout.practice.world import World

blueprint = Blueprint("linkedin", __name__, template_folder="templates")

GEN_AI = "data-for-generative-ai-improvement"
# How long the platform takes to answer a late-drawn page's request for its stored state.
LATE_ANSWER_S = 1.5
SETTINGS_PAGES = {"/mypreferences/d/settings/data-for-ai-improvement": GEN_AI}


def world() -> World:
    return current_app.extensions["optout_world"]


def signed_in_user() -> str | None:
    username = session.get("user")
    user = world().user(username) if username else None
    if user is None or session.get("generation") != user.session_generation:
        return None  # never signed in, or the session has expired
    return username


def member() -> str:
    """The signed-in user, on a page behind `member_page`."""
    username = signed_in_user()
    assert username is not None, "member_page lets only signed-in visitors through"
    return username


def member_page(view):
    """Send visitors who are not signed in to the sign-in page, and back afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        username = signed_in_user()
        if not username:
            return redirect(url_for("linkedin.login", session_redirect=request.path))
        user = world().known_user(username)
        if "recheck" in user.faults and not user.rechecked:
            # The platform doubts a saved session and asks for an emailed code, no password.
            user.rechecked = True
            session.clear()
            session.update(pending=username, steps=["verify-email"], redirect=request.path)
            return _next_step()
        return view(*args, **kwargs)

    return wrapper


def _local_path(target: str | None) -> str:
    """Only ever redirect within this site."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return url_for("linkedin.feed")
    return parts.path


@blueprint.get("/")
def home():
    return redirect(url_for("linkedin.feed"))


@blueprint.get("/login")
def login():
    return render_template("linkedin/login.html", redirect_to=request.args.get("session_redirect", ""),
                           error=None)


@blueprint.post("/checkpoint/lg/login-submit")
def login_submit():
    username = request.form.get("session_key", "")
    password = request.form.get("session_password", "")
    redirect_to = request.form.get("session_redirect", "")
    if world().build == "email-first" and "session_password" not in request.form:
        return render_template("linkedin/login.html", redirect_to=redirect_to, error=None,
                               username=username)
    if not world().check_password(username, password):
        return render_template("linkedin/login.html", redirect_to=redirect_to,
                               error="Wrong email or password. Try again or create an account.")
    user = world().known_user(username)  # the password was right: the user exists
    steps = []
    if "security_check" in user.faults:
        steps.append("security-check")
    if "app_approval" in user.faults:
        steps.append("app-approval")
    if user.totp_secret:
        steps.append("verify-2fa")
    if "unusual_sign_in" in user.faults:
        steps.append("verify-email")
    session.clear()
    session.update(pending=username, steps=steps, redirect=_local_path(redirect_to))
    return _next_step()


def _next_step():
    """Send the visitor to the next challenge, or finish signing them in."""
    steps = session.get("steps", [])
    if steps:
        if steps[0] == "verify-email":
            world().send_code(session["pending"])
        return redirect(url_for(f"linkedin.{steps[0].replace('-', '_')}"))
    username, target = session["pending"], session.get("redirect") or url_for("linkedin.feed")
    world().count_sign_in(username)
    session.clear()
    session.update(user=username, generation=world().known_user(username).session_generation)
    return redirect(target)


def _pending_user():
    username = session.get("pending")
    return world().user(username) if username else None


def _code_page(step: str, heading: str, instructions: str, is_right):
    user = _pending_user()
    if user is None or session.get("steps", [None])[0] != step:
        return redirect(url_for("linkedin.login"))
    error = None
    if request.method == "POST":
        if is_right(user, request.form.get("pin", "").strip()):
            session["steps"] = session["steps"][1:]
            return _next_step()
        error = ("That code didn't work. Try again." if world().build == "reworded" else
                 "The verification code you entered isn't valid. Please check the code and try "
                 "again.")
    return render_template("linkedin/code.html", heading=heading, instructions=instructions,
                           error=error)


# The challenge pages' words: as LinkedIn's help quotes them, and (the `reworded` build) as
# another build words the same step, the code box labelled "Enter code".
WORDS = {
    ("verify-2fa", "standard"): ("Two-step verification",
                                 "Enter the code you see on your authenticator app."),
    ("verify-2fa", "reworded"): ("Verify it's you",
                                 "Enter the 6-digit code from your authenticator app."),
    ("verify-email", "standard"): (
        "Let's do a quick verification", "The login attempt seems suspicious. To finish signing "
        "in please enter the verification code we sent to your email address."),
    ("verify-email", "reworded"): ("Check your inbox",
                                   "We emailed a 6-digit code to you. It expires in 15 minutes."),
}


def _words(step: str) -> tuple[str, str]:
    return WORDS[step, "reworded" if world().build == "reworded" else "standard"]


@blueprint.route("/checkpoint/challenge/verify-2fa", methods=["GET", "POST"])
def verify_2fa():
    return _code_page("verify-2fa", *_words("verify-2fa"),
                      lambda user, pin: pyotp.TOTP(user.totp_secret).verify(pin, valid_window=1))


@blueprint.route("/checkpoint/challenge/verify-email", methods=["GET", "POST"])
def verify_email():
    return _code_page("verify-email", *_words("verify-email"),
                      lambda user, pin: bool(user.sent_codes) and pin == user.sent_codes[-1])


@blueprint.get("/checkpoint/challenge/app-approval")
def app_approval():
    """LinkedIn's "Check your LinkedIn app" step: only the person's phone can answer it."""
    if _pending_user() is None:
        return redirect(url_for("linkedin.login"))
    return render_template("linkedin/app_approval.html")


@blueprint.get("/checkpoint/challenge/security-check")
def security_check():
    if _pending_user() is None:
        return redirect(url_for("linkedin.login"))
    return render_template("linkedin/security_check.html")


@blueprint.post("/checkpoint/challenge/security-check/solve")
def security_check_solve():
    user = _pending_user()
    if user is None:
        return jsonify(error="no sign-in under way"), 400
    world().pass_security_check(user.username)
    return jsonify(passed=True)


@blueprint.get("/checkpoint/challenge/security-check/done")
def security_check_done():
    user = _pending_user()
    if user is None or not user.security_check_passed:
        return redirect(url_for("linkedin.security_check"))
    session["steps"] = [s for s in session.get("steps", []) if s != "security-check"]
    return _next_step()


@blueprint.get("/feed/")
@member_page
def feed():
    return render_template("linkedin/feed.html", pages=SETTINGS_PAGES)


@blueprint.get("/mypreferences/d/settings/data-for-ai-improvement")
@member_page
def data_for_ai_improvement():
    username, w = member(), world()
    loads = w.count_settings_load(username)
    if w.has_fault(username, "flaky") and loads == 1:
        return "Service Unavailable", 503
    if w.has_fault(username, "hang"):
        w.stopping.wait(timeout=120)  # a page that never finishes, until the platform stops
        return "", 504
    return render_template("linkedin/data_for_ai.html", key=GEN_AI,
                           late_draw=w.has_fault(username, "late_draw"),
                           cached_state=w.has_fault(username, "cached_state"))


@blueprint.get("/mypreferences/d/categories/account")
@member_page
def account_preferences():
    return render_template("linkedin/account.html")


@blueprint.get("/mysettings-api/settingsApiSneakPeeks")
def sneak_peeks():
    """The "Sign in & security" cards' answer: the member's email as the settings app shows it
    (another member's after an account switch)."""
    username = signed_in_user()
    if not username:
        return jsonify(error="sign in"), 401
    shown = ("someone.else@example.com" if world().has_fault(username, "switched_account")
             else username)
    return jsonify(elements=[{"settingCardKey": "manageEmailAddresses", "displayText": shown},
                             {"settingCardKey": "changePassword",
                              "displayText": "Last changed 3 months ago"}])


@blueprint.get("/api/settings/<key>")
def read_setting(key: str):
    username = signed_in_user()
    if not username:
        return jsonify(error="sign in"), 401
    if world().has_fault(username, "late_draw"):
        world().stopping.wait(LATE_ANSWER_S)
    return jsonify(key=key, enabled=world().setting(username, key))


@blueprint.post("/api/settings/<key>")
def save_setting(key: str):
    username = signed_in_user()
    if not username:
        return jsonify(error="sign in"), 401
    enabled = bool((request.get_json(silent=True) or {}).get("enabled"))
    w = world()
    w.count_save_request(username)
    if w.has_fault(username, "save_rejected"):
        return jsonify(error="Something went wrong"), 500
    if w.has_fault(username, "save_lost"):
        return jsonify(key=key, enabled=enabled)  # acknowledged, never stored
    if w.has_fault(username, "late_store"):
        timer = threading.Timer(w.slow_seconds, w.store, args=(username, key, enabled))
        timer.daemon = True
        timer.start()
        return jsonify(key=key, enabled=enabled)
    if w.has_fault(username, "slow_save"):
        w.save_started()
        w.stopping.wait(w.slow_seconds)  # a slow platform takes its time (unless shutting down)
        w.save_ended()
    w.store(username, key, enabled)
    return jsonify(key=key, enabled=enabled)
