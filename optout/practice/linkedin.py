"""LinkedIn's twin: the sign-in flow and "Data for Generative AI Improvement", as documented.

Paths and labels follow LinkedIn's help page
https://www.linkedin.com/help/linkedin/answer/a6278444 and its sign-in page.
"""

from __future__ import annotations

import threading
import time
from functools import wraps
from urllib.parse import urlsplit

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
SETTINGS_PAGES = {"/mypreferences/d/settings/data-for-ai-improvement": GEN_AI}


def world() -> World:
    return current_app.extensions["optout_world"]


def signed_in_user() -> str | None:
    username = session.get("user")
    return username if username and world().user(username) else None


def member_page(view):
    """Send visitors who are not signed in to the sign-in page, and back afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in_user():
            return redirect(url_for("linkedin.login", session_redirect=request.path))
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
    if not world().check_password(username, password):
        return render_template("linkedin/login.html", redirect_to=redirect_to,
                               error="Wrong email or password. Try again or create an account.")
    session.clear()
    session["user"] = username
    return redirect(_local_path(redirect_to))


@blueprint.get("/feed/")
@member_page
def feed():
    return render_template("linkedin/feed.html", pages=SETTINGS_PAGES)


@blueprint.get("/mypreferences/d/settings/data-for-ai-improvement")
@member_page
def data_for_ai_improvement():
    return render_template("linkedin/data_for_ai.html", key=GEN_AI,
                           late_draw=world().has_fault(signed_in_user(), "late_draw"))


@blueprint.get("/api/settings/<key>")
def read_setting(key: str):
    username = signed_in_user()
    if not username:
        return jsonify(error="sign in"), 401
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
        time.sleep(w.slow_seconds)  # a slow platform: the server takes its time to answer
    w.store(username, key, enabled)
    return jsonify(key=key, enabled=enabled)
