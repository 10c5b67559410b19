"""Serving the practice platform on 127.0.0.1 from a background thread."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from flask import Flask, request
from werkzeug.serving import make_server

from optout.practice import linkedin
from optout.practice.realism import realism_blueprint, refuse_cross_site_writes, remember_sessions
from optout.practice.twin import TwinSpec, load_specs, pages_blueprint
from optout.practice.twin_app import create_sign_in_app, create_twin_app
from optout.practice.world import World

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def create_app(world: World, extra: TwinSpec | None = None) -> Flask:
    """LinkedIn's hand-written twin (its challenges and faults), and its described extra pages."""
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    app.config["SESSION_COOKIE_NAME"] = "li_at"
    remember_sessions(app)
    refuse_cross_site_writes(app)
    app.extensions["optout_world"] = world
    app.register_blueprint(linkedin.blueprint)
    app.register_blueprint(realism_blueprint(
        linkedin.signed_in_user, extra.consent.html if extra and extra.consent else None))
    if extra is not None:
        app.register_blueprint(pages_blueprint(
            extra, linkedin.signed_in_user,
            lambda path: f"/login?session_redirect={path}"))

    @app.before_request
    def note_page() -> None:
        if request.headers.get("Sec-Fetch-Dest") == "document":  # a page, not what it asks for
            world.pages_loaded.append(request.path)

    @app.after_request
    def no_store(response):
        # Every load must come from the server, so that a re-read is really fresh.
        response.headers["Cache-Control"] = "no-store"
        return response

    return _recorded(app, world)


def _record_session_cookies(wsgi_app: WSGIApplication, world: World) -> WSGIApplication:
    """Note every cookie value handed out (Flask sets the session cookie after all hooks)."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def spy(status: str, headers: list[tuple[str, str]],
                exc_info: OptExcInfo | None = None) -> Callable[[bytes], object]:
            for name, value in headers:
                if name.lower() == "set-cookie":
                    cookie = value.split(";")[0].partition("=")[2]
                    if cookie:
                        world.issued_cookies.append(cookie)
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, spy)

    return app


class Served:
    """A WSGI app served on 127.0.0.1 from a background thread; a context manager."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, named: str | None = None):
        """`named`: the host name its origin is given by (localhost: another site than
        127.0.0.1 to the browser, the same machine)."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._named = named
        self.app = app
        # Bound here so a taken port is an OSError to the caller (werkzeug would exit).
        with socket.create_server((host, port)) as bound:
            self._server = make_server(host, port, app, threaded=True, fd=bound.fileno())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="optout-practice")

    @property
    def origin(self) -> str:
        return f"http://{self._named or self._server.host}:{self._server.port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self.close()
        self._thread.join(timeout=5)

    def close(self) -> None:
        """Let the port go (a server never started needs only this)."""
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PracticePlatform(Served):
    """The practice platform running on 127.0.0.1; use it as a context manager.

    LinkedIn's twin is served at `origin`; every other twin at its own port, `origins[platform]`
    (their paths would collide on one origin). A twin whose live sign-in is on another origin
    serves it on one more port, named localhost (another site to the browser): its
    `sign_in_origins[platform]`, standing in for `stand_ins(platform)`. All share one world.

    >>> with PracticePlatform() as practice:
    ...     practice.world.add_user("ada@example.com", "correct horse")
    ...     print(practice.origin, practice.origins["x"])
    """

    def __init__(self, world: World | None = None, host: str = "127.0.0.1", port: int = 0):
        """`port` 0 serves every twin on a free port; any other number serves LinkedIn's twin
        there and the others on the ports after it, in name order, so their origins stay the
        same from one start to the next (OSError when one is taken)."""
        self.world = world or World()
        specs = load_specs()
        super().__init__(create_app(self.world, specs.pop("linkedin", None)), host, port)
        self.twins: dict[str, Served] = {}
        self.sign_ins: dict[str, Served] = {}
        self._specs = specs
        try:
            for index, (name, spec) in enumerate(sorted(specs.items()), start=1):
                app = _recorded(create_twin_app(self.world, spec), self.world)
                self.twins[name] = Served(app, host, port + index if port else 0)
            after = port + len(specs) + 1 if port else 0
            for index, name in enumerate(_signing_in_elsewhere(specs)):
                spec = specs[name]
                sign_in_app = _recorded(create_sign_in_app(self.world, spec), self.world)
                sign_in_app.config["PLATFORM_ORIGIN"] = self.twins[name].origin
                self.sign_ins[name] = Served(sign_in_app, host, after + index if port else 0,
                                             named="localhost")
                self.twins[name].app.config.update(SIGN_IN_ORIGIN=self.sign_ins[name].origin,
                                                   PLATFORM_ORIGIN=self.twins[name].origin)
        except OSError:
            for served in [self, *self.twins.values(), *self.sign_ins.values()]:
                served.close()
            raise
        self.origins = {"linkedin": self.origin,
                        **{name: twin.origin for name, twin in self.twins.items()}}
        self.sign_in_origins = {name: served.origin for name, served in self.sign_ins.items()}

    def origin_of(self, platform: str) -> str:
        return self.origins[platform]

    def stand_ins(self, platform: str) -> dict[str, str]:
        """The live sign-in origin the twin's second origin stands in for, by that origin (as a
        recipe's `with_origin` and `--origin FROM=TO` take it); none for a one-origin twin."""
        spec = self._specs.get(platform)
        if platform not in self.sign_in_origins or spec is None or spec.sign_in is None:
            return {}
        return {str(spec.sign_in.elsewhere): self.sign_in_origins[platform]}

    def start(self):
        for served in [*self.twins.values(), *self.sign_ins.values()]:
            served.start()
        return super().start()

    def stop(self) -> None:
        self.world.stopping.set()
        # Each server takes up to a poll interval to notice; stop them all at once.
        with ThreadPoolExecutor(max_workers=len(self.twins) + len(self.sign_ins) + 1) as pool:
            list(pool.map(lambda served: Served.stop(served),
                          [*self.twins.values(), *self.sign_ins.values(), self]))


def _signing_in_elsewhere(specs: dict[str, TwinSpec]) -> list[str]:
    """The twins whose sign-in pages are on a second origin, in name order."""
    return sorted(name for name, spec in specs.items()
                  if spec.sign_in is not None and spec.sign_in.elsewhere is not None)


def ports_needed() -> int:
    """How many ports from the first one a fixed-port practice platform serves on."""
    specs = load_specs()
    return len(specs) + len(_signing_in_elsewhere(specs))


def _recorded(app: Flask, world: World) -> Flask:
    # Wrapping `wsgi_app` is how Flask documents adding WSGI middleware; mypy takes it for
    # replacing a method, and compares the wrapper with the unbound method (`self` and all).
    app.wsgi_app = _record_session_cookies(  # type: ignore[method-assign, assignment]
        app.wsgi_app, world)
    return app
