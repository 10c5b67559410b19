"""Telling the person through Apprise (email, chat, push; any Apprise URL) when they must know:
a setting turned back on, an opt-out that failed, a run that needs them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from optout.domain.errors import BadInput
from optout.domain.results import Result, Status
from optout.redact import redact
from optout.store.history import Reset

log = logging.getLogger(__name__)


def _sender(urls: Sequence[str] = ()):
    """An Apprise sender for `urls`; Apprise is loaded only when there is something to send."""
    import apprise

    sender = apprise.Apprise()
    for url in urls:
        sender.add(url)
    return sender


def check_urls(urls: Sequence[str]) -> None:
    """BadInput for a URL Apprise cannot use, before anything runs."""
    for url in urls:
        if not _sender().add(url):
            # Only the scheme: the rest of a URL may hold a token or a password.
            scheme = url.split("://", 1)[0] if "://" in url else "(no scheme)"
            raise BadInput(f"A notification URL ({scheme}://…) is not one Apprise understands; "
                           "see https://github.com/caronc/apprise/wiki for the forms it takes.")


def messages(results: Sequence[Result], resets: Sequence[Reset]) -> list[tuple[str, str]]:
    """(title, body) for every reset, failure and needed person; nothing when all is well."""
    out = []
    fixed = {(r.platform, r.account, r.setting) for r in results
             if r.status is Status.CHANGED and r.verified}
    for reset in resets:
        key = (reset.platform, reset.account, reset.setting)
        then = ("optout switched it back and verified it." if key in fixed else
                f"Run `optout check {reset.platform} --fix` to switch it back and verify it.")
        out.append((f"optout: {reset.title} was turned back {reset.state}",
                    f"{reset.platform} ({reset.account}): {reset.sentence()} {then}"))
    for result in results:
        where = f"{result.platform} ({result.account}), {result.title or result.setting}"
        if result.status is Status.FAILED:
            out.append((f"optout: could not verify {result.title or result.setting}",
                        f"{where}: {result.message} Run `optout run {result.platform} --debug` "
                        "for details."))
        elif result.status is Status.NEEDS_HUMAN:
            out.append((f"optout: {result.platform} needs you",
                        f"{where}: {result.message}"))
    return out


def send(urls: Sequence[str], results: Sequence[Result], resets: Sequence[Reset]) -> list[str]:
    """Send what there is to tell; the problems met while sending, for the console."""
    if not urls:
        return []
    problems = []
    for title, body in messages(results, resets):
        if not _sender(urls).notify(title=title, body=redact(body)):
            problems.append(f"Could not send the notification {title!r} to every URL.")
    return problems


def send_failure(urls: Sequence[str], title: str, body: str) -> None:
    """Tell of a run that could not start; best effort, since it is already failing."""
    if urls:
        _sender(urls).notify(title=title, body=redact(body))
