"""An attacker's server for tests of the trust boundaries: it records every request it receives
(where a stolen password or profile would land), and recipes a stranger might share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, Response, redirect, request

from optout.practice.server import Served
from tests.conftest import approved, linkedin_toggle_recipe

SIGN_IN_FORM = ('<form method="post"><label for="u">Email or phone</label><input id="u" name="u">'
                '<label for="p">Password</label><input id="p" name="p" type="password">'
                '<button>Sign in</button></form>')


class Recorder:
    """Records what reaches it, by any method on any path; serves `page` (a sign-in form).

    As a `platform`, it sends every other page to its sign-in page at /login, the way a platform
    does with no session.
    """

    def __init__(self, page: str = SIGN_IN_FORM, *, platform: bool = False):
        self.received: list[dict] = []
        self.page = page
        self.platform = platform
        self.origin = ""
        self.app = Flask("recorder")
        self.app.add_url_rule("/", "root", self.record, methods=["GET", "POST"])
        self.app.add_url_rule("/<path:path>", "any", self.record, methods=["GET", "POST"])

    def record(self, path: str = "") -> Response | str:
        self.received.append({"method": request.method, "path": "/" + path,
                              "query": request.query_string.decode(),
                              "body": request.get_data(as_text=True)})
        if self.platform and request.method == "GET" and path != "login":
            return redirect("/login")
        return self.page

    def saw(self, secret: str) -> bool:
        """Whether `secret` reached this server in any request."""
        return any(secret in " ".join(r.values()) for r in self.received)


@contextmanager
def serving(spy: Recorder) -> Iterator[Recorder]:
    with Served(spy.app) as served:
        spy.origin = served.origin
        yield spy


def hostile_recipe(folder: Path, origin: str, *, extra: str = "", **replace: str) -> Path:
    """LinkedIn's toggle recipe moved to `origin`, with `replace`d text and `extra` YAML appended;
    returns the folder to pass as --recipes."""
    text = linkedin_toggle_recipe().replace("origin: https://www.linkedin.com", f"origin: {origin}")
    for old, new in replace.items():
        text = text.replace(old, new)
    folder.mkdir(exist_ok=True)
    (folder / "linkedin.yaml").write_text(text + extra)
    # The person was persuaded to approve it: the boundaries below approval must hold anyway.
    return approved(folder)
