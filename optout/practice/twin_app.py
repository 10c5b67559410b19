"""A twin as a running site: its pages (twin.py's blueprint) and its sign-in, on the platform's
own origin or, where the live sign-in is elsewhere, on a second origin that hands the person back
with a one-time ticket (as an OAuth code does)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, render_template, request, session

from optout.practice.realism import realism_blueprint, refuse_cross_site_writes, remember_sessions
from optout.practice.twin import TWIN_FAULTS, TwinSpec, local_path, pages_blueprint
from optout.practice.world import World

HANDOVER_PATH = "/__practice/handover"


def _twin_flask(cookie: str, world_: World) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    app.config["SESSION_COOKIE_NAME"] = cookie
    remember_sessions(app)
    refuse_cross_site_writes(app)
    app.extensions["optout_world"] = world_

    @app.after_request
    def no_store(response):
        response.headers["Cache-Control"] = "no-store"
        return response

    return app


def create_twin_app(world_: World, spec: TwinSpec) -> Flask:
    """A whole twin: its sign-in flow (one step or two) and its pages. Where the live sign-in is
    elsewhere (`sign_in.elsewhere`), the sign-in pages are create_sign_in_app's, and this app
    takes the person back from there (its config's SIGN_IN_ORIGIN says where that is)."""
    app = _twin_flask(f"{spec.platform}_session", world_)
    sign_in = spec.sign_in
    assert sign_in is not None, f"twin {spec.platform} has no sign-in page"

    def current_user() -> str | None:
        username = session.get("user")
        user = world_.user(username) if username else None
        if user is None or session.get("generation") != user.session_generation:
            return None
        return username

    def signed_in(username: str, target: str):
        session.clear()
        session.update(user=username, generation=world_.known_user(username).session_generation)
        return redirect(target)

    def elsewhere(path: str) -> str:
        where = f"{sign_in.path}{'&' if '?' in sign_in.path else '?'}next={path}"
        # The same pages reached on another origin (the `wanders` build's look-alike) are no
        # part of the platform: they send nobody to its sign-in origin.
        if request.host_url.rstrip("/") != app.config.get("PLATFORM_ORIGIN"):
            return where
        return app.config["SIGN_IN_ORIGIN"] + where

    login_path = urlsplit(sign_in.start or sign_in.path).path
    if sign_in.elsewhere and not sign_in.start:
        login_url = elsewhere
    else:
        def login_url(path: str) -> str:
            start = sign_in.start or sign_in.path
            return f"{start}{'&' if '?' in start else '?'}next={path}"

    app.register_blueprint(pages_blueprint(spec, current_user, login_url, TWIN_FAULTS))
    app.register_blueprint(realism_blueprint(current_user,
                                             spec.consent.html if spec.consent else None))

    if sign_in.elsewhere:
        if sign_in.start:
            @app.get(login_path)
            def start():
                return redirect(elsewhere(local_path(request.args.get("next"), spec.home)))

        @app.get(HANDOVER_PATH)
        def handover():
            taken = world_.take_ticket(request.args.get("ticket", ""))
            if taken is None:
                return "That sign-in has expired; sign in again.", 400
            return signed_in(*taken)
    else:
        _sign_in_routes(app, spec, world_, signed_in)

    if login_path != "/" and spec.home != "/" and "/" not in {p.path for p in spec.pages}:
        @app.get("/")
        def root():
            return redirect(spec.home)

    if spec.home not in {p.path for p in spec.pages}:
        @app.get(spec.home)
        def home():
            if not current_user():
                return redirect(login_url(spec.home))
            return render_template("twin/home.html", spec=spec)

    return app


def create_sign_in_app(world_: World, spec: TwinSpec) -> Flask:
    """The twin's sign-in origin (`sign_in.elsewhere`): its sign-in pages, which send the person
    back to the platform's own origin (its config's PLATFORM_ORIGIN) with a one-time ticket."""
    app = _twin_flask(f"{spec.platform}_auth", world_)

    def signed_in(username: str, target: str):
        session.clear()
        ticket = world_.hand_over(username, target)
        return redirect(f"{app.config['PLATFORM_ORIGIN']}{HANDOVER_PATH}?ticket={ticket}")

    _sign_in_routes(app, spec, world_, signed_in)
    return app


def _sign_in_routes(app: Flask, spec: TwinSpec, world_: World,
                    signed_in: Callable[[str, str], Response]) -> None:
    sign_in = spec.sign_in
    assert sign_in is not None

    def page(step: str, error: str | None = None, status: int = 200):
        return render_template("twin/login.html", spec=spec, sign_in=sign_in, step=step,
                               error=error), status

    @app.route(urlsplit(sign_in.path).path, methods=["GET", "POST"])
    def login():
        # Identifier first where the platform asks so, or the `email-first` build redraws it so.
        first = "username" if sign_in.next or world_.build == "email-first" else "both"
        if request.method == "GET":
            session["next"] = local_path(request.args.get("next"), spec.home)
            return page(first)
        if request.form.get("step") == "username":
            session["pending"] = request.form.get("username", "").strip()
            if sign_in.password is None:  # passwordless: a code goes to the person's inbox
                if world_.user(session["pending"]):
                    world_.send_code(session["pending"])
                return page("code")
            return page("password")
        username = request.form.get("username", session.get("pending", "")).strip()
        world_.require_faults(username, TWIN_FAULTS, spec.platform)
        if sign_in.password is None and "password" in request.form:
            world_.sign_in_attempts.append((username, request.form["password"]))  # must not happen
        if sign_in.password is None:
            user = world_.user(username)
            if not (user and user.sent_codes and request.form.get("code") == user.sent_codes[-1]):
                return page("code", sign_in.rejected, 401)
        elif not world_.check_password(username, request.form.get("password", "")):
            return page(first, sign_in.rejected, 401)
        world_.count_sign_in(username)
        return signed_in(username, session.get("next") or spec.home)
