"""Objection forms go in the person's name: only once they said so."""

from __future__ import annotations

import click

from optout.domain.profile import DEFAULT_OBJECTION
from optout.domain.results import Mode
from optout.recipe.job import Job
from optout.store.config import Config


def agrees_to_send_forms(config: Config, jobs: list[Job], mode: Mode, flag: bool, *,
                         resubmit: bool = False) -> bool:
    """Whether objection forms may go in the person's name this run: --send-forms, the config's
    send_forms, or, at a terminal, yes once they have seen what would be sent (a form already
    sent for the person is not sent again, so not asked about, unless --resubmit)."""
    forms = [(job, s) for job in jobs for s in job.settings
             if s.is_form and (resubmit or s.id not in job.submitted)]
    if mode is not Mode.RUN or not forms:
        return False
    if flag or config.send_forms:
        return True
    if not at_a_terminal():
        return False
    click.echo("These objection forms would go in your name, each once:")
    for job, setting in forms:
        profile = job.profile or config.profile  # a practice account's made-up person
        text = profile.objection or getattr(setting, "objection", None) or DEFAULT_OBJECTION
        words = " ".join(text.replace("{platform}", job.recipe.name).split())
        click.echo(f"  {job.recipe.name} ({job.account.name}), as {profile.name or 'no name'}, "
                   f"{profile.email or 'no email'}, {profile.country or 'no country'}: "
                   f"{setting.title}: \"{words[:160]}{'…' if len(words) > 160 else ''}\"")
    return click.confirm("Send them?", default=False)


def at_a_terminal() -> bool:
    from optout.signin.person import from_terminal
    return from_terminal().present
