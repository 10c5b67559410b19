"""What real platforms' pages do besides drawing settings, for every twin: analytics beacons, a
held long-poll, a WebSocket and a cookie-consent dialog, each a fault of the practice world.

Drawn from how the platforms' pages behave in any browser's developer tools: LinkedIn keeps
`/realtime/connect` open and sends tracking beacons as the page is used; most platforms show
European visitors a modal consent dialog on a first visit until it is answered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, session
from flask_sock import Sock  # type: ignore[import-untyped]

from optout.practice.world import World

CONSENT_COOKIE = "practice_consent"
LONG_POLL_HOLD_S = 25
PUSH_EVERY_S = 0.5


def world() -> World:
    return current_app.extensions["optout_world"]


def realism_blueprint(visitor: Callable[[], str | None],
                      consent_ui: str | None = None) -> Blueprint:
    """The endpoints the realistic faults use, and what base.html needs to draw them.

    `visitor` is the signed-in user, if any; faults set for everyone apply to strangers too.
    `consent_ui` is the platform's consent banner as it is built live (the `live-consent`
    build draws it in place of the generic dialog).
    """
    blueprint = Blueprint("realism", __name__)

    @blueprint.app_context_processor
    def realism() -> dict[str, Any]:
        who, w = visitor(), world()
        return {"build": w.build, "realism": {
            "beacons": w.has_fault(who, "beacons"),
            "long_poll": w.long_poll_path if w.has_fault(who, "long_poll") else None,
            "websocket": w.has_fault(who, "websocket"),
            # The live banner greets every visitor until answered, as the live site's does.
            "consent": (w.has_fault(who, "consent") or (w.build == "live-consent"
                                                        and consent_ui is not None))
                       and CONSENT_COOKIE not in request.cookies,
            "consent_ui": consent_ui if w.build == "live-consent" else None,
        }}

    @blueprint.post(BEACON_PATH)
    def beacon():
        return "", 204

    def hold():
        # Held until there is "news" (never, here) or the hold ends; then the page asks again.
        world().stopping.wait(LONG_POLL_HOLD_S)
        return jsonify(events=[])

    blueprint.add_url_rule("/realtime/connect", "long_poll", hold)
    blueprint.add_url_rule("/api/updates", "long_poll_unnamed", hold)

    @Sock().route("/__practice/socket", bp=blueprint)
    def socket(ws: Any) -> None:
        try:
            while not world().stopping.wait(PUSH_EVERY_S):
                ws.send('{"type": "presence"}')
        except OSError:  # the page went away without closing the socket, as pages do
            pass

    @blueprint.post("/__practice/consent")
    def consent():
        answer = "accepted" if request.form.get("answer") == "accept" else "rejected"
        world().consent_answers.append(answer)
        response = jsonify(answer=answer)
        response.set_cookie(CONSENT_COOKIE, answer, samesite="Lax")
        return response

    return blueprint


BEACON_PATH = "/__practice/beacon"


def refuse_cross_site_writes(app: Flask) -> None:
    """What the live sites' CSRF defences do: the session cookie is SameSite=Lax, and a write
    (any method but GET and HEAD) that comes from another origin, or is a form-less text/plain
    POST that any page may send without asking, is refused with 403 before the twin sees it."""
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"

    @app.before_request
    def _same_site_writes_only() -> tuple[str, int] | None:
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path == BEACON_PATH:
            return None  # (analytics beacons are text/plain by nature, and write nothing)
        origin = request.headers.get("Origin")
        own = request.host_url.rstrip("/")
        if (origin not in (None, own) or request.headers.get("Sec-Fetch-Site") == "cross-site"
                or request.mimetype == "text/plain"):
            return "Cross-site request refused", 403
        return None


def remember_sessions(app: Flask) -> None:
    """Sign-ins last beyond the browser's closing, as the real sites' do (LinkedIn's li_at cookie
    lives a year): a profile folder signed in to by hand stays signed in.

    Only a response that changes the session sends its cookie, as before: a beacon answered late
    must never put back the session as it was before the sign-in.
    """
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=365)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False

    @app.after_request
    def _remember(response: Response) -> Response:
        if session.modified and session and not session.permanent:
            session.permanent = True
        return response
