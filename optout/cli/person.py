"""The person's own records: profile, login, forget, done."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from optout.cli.common import (
    _as_error,
    _ask,
    _cdp_option,
    _check_account_name,
    _complete_platforms,
    _detail_option,
    _details,
    _own_browser,
    _read_password,
    _read_totp_secret,
    _recipes,
)
from optout.cli.origins import parse_origin, parse_origins
from optout.domain.errors import BadInput, NeedsHuman
from optout.domain.results import Result, Status
from optout.redact import redact
from optout.store import DEFAULT_ACCOUNT

if TYPE_CHECKING:

    from optout.recipe import Recipe



@click.command(short_help="Your name, email, country and objection, for forms.")
@click.option("--name", help="Your name as the platforms know it.")
@click.option("--email", help="The email address of your accounts.")
@click.option("--country", help="Your country, as the forms' lists word it (e.g. Germany).")
@click.option("--objection-file", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Your own objection text ('-' for stdin) instead of the recipes' reasoned one.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.pass_context
def profile(ctx: click.Context, name: str | None, email: str | None, country: str | None,
            objection_file, as_json: bool) -> None:
    """Show or change the profile objection forms are filled from. It is kept in the private
    config file; forms are sent only by `optout run`, once each (--resubmit to send again).

    \b
    Examples:
      optout profile --name "Ada Lovelace" --email ada@example.com --country "United Kingdom"
      optout profile --objection-file my-objection.txt
      optout profile
    """
    from optout.store.config import config_path, update_profile
    changes = {k: v for k, v in (("name", name), ("email", email), ("country", country)) if v}
    if objection_file is not None:
        text = objection_file.read().strip()
        if not text:
            raise BadInput("The objection file is empty; write your objection in it, or leave "
                           "--objection-file out to use the recipes' text.")
        changes["objection"] = text
    current = update_profile(changes) if changes else ctx.obj["config"].profile
    if as_json:
        click.echo(json.dumps(current.model_dump(), indent=2))
        return
    for key in ("name", "email", "country"):
        click.echo(f"{key}: {getattr(current, key) or '(not set)'}")
    click.echo(f"objection: {'your own text' if current.objection else 'the recipes’ reasoned text'}")
    if changes:
        click.echo(f"Saved in {config_path()}.")



@click.command(short_help="Record a setting you did by hand (an email, an app).")
@click.argument("platform", shell_complete=_complete_platforms)
@click.argument("setting")
@click.option("--account", metavar="NAME", help="The account it was done for (default: the "
              "platform's only stored account, or `you` where none is needed).")
@click.pass_context
def done(ctx: click.Context, platform: str, setting: str, account: str | None) -> None:
    """Record that you did a setting that optout cannot do (an email request, a switch in a
    phone app). `status` and the report show it as done by you, never as verified.

    \b
    Examples:
      optout done slack workspace-opt-out
      optout done udemy genai-program --account teaching
    """
    from optout.app.plan import BY_HAND_ACCOUNT
    from optout.recipe import select
    from optout.recipe.names import setting_of
    from optout.store import credentials
    from optout.store.history import History, recipe_version
    recipe = select(_recipes(ctx), [platform])[0]
    wanted = setting_of(setting, {s.id: s.title for s in recipe.settings}, recipe.name)
    chosen = next(s for s in recipe.settings if s.id == wanted)
    if chosen.needs_browser:
        raise BadInput(f"optout does {chosen.title!r} itself and verifies it: "
                       f"`optout run {recipe.platform} --setting {chosen.id}`.")
    if account is None:
        stored = credentials.accounts(recipe.platform) if recipe.needs_account else []
        if len(stored) > 1:
            raise BadInput(f"Several {recipe.name} accounts are stored; name one with --account "
                           f"({', '.join(a.name for a in stored)}).")
        account = stored[0].name if stored else BY_HAND_ACCOUNT
    result = Result(recipe.platform, account, chosen.id, chosen.desired, Status.MARKED_DONE,
                    after="done", title=chosen.title,
                    message="Marked done by you; optout cannot check it for you.")
    with History() as history:
        run_id = history.start_run(f"done {recipe.platform} {chosen.id}")
        history.record(run_id, result, recipe_version(recipe), recipe.origin)
        history.finish_run(run_id)
    click.echo(f"Recorded {recipe.name} {chosen.title!r} as done by you ({account}); `optout "
               "status` shows it, as done by you rather than verified.")



@click.command(short_help="Store credentials in the keyring.")
@click.argument("platform", shell_complete=_complete_platforms)
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, metavar="NAME",
              help="A name for this account, to tell several apart.")
@click.option("--username", metavar="U", help="Sign-in username or email (asked if not given).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--totp", is_flag=True,
              help="Also store the authenticator (TOTP) secret: base32 or an otpauth:// address.")
@click.option("--totp-stdin", is_flag=True,
              help="Read the authenticator secret from stdin (the second line with --password-stdin).")
@click.option("--by-hand", "by_hand", is_flag=True,
              help="Sign in yourself in a visible browser (passkey, SSO, magic link); "
                   "the session is kept and no password is stored.")
@click.option("--verify", is_flag=True, help="Sign in once to test the credentials before storing them.")
@click.option("--origin", metavar="URL", multiple=True,
              help="The origin these credentials are for (a test server); they are typed nowhere "
                   "else. Again as FROM=TO to put an origin in place of one of the recipe's "
                   "others (its sign-in origin).")
@click.option("--trust-origin", "trusted", metavar="URL", multiple=True,
              help="Allow an origin that only a recipe from --recipes or OPTOUT_RECIPE_PATH uses "
                   "(not the recipe shipped with optout) to receive these credentials.")
@click.option("--browser", "browser_path", metavar="PATH",
              help="Chromium or Chrome to use (also OPTOUT_BROWSER).")
@_detail_option
@_cdp_option
@click.pass_context
def login(ctx: click.Context, platform: str, account: str, username: str | None,
          password_stdin: bool, totp: bool, totp_stdin: bool, by_hand: bool, verify: bool,
          origin: tuple[str, ...], trusted: tuple[str, ...], browser_path: str | None,
          detail: tuple[str, ...], cdp: str | None, profile_dir: Path | None) -> None:
    """Store a platform's credentials in the OS keyring (never in a file). With --cdp, check
    that your own browser is signed in to it instead, and store nothing.

    \b
    Examples:
      optout login linkedin
      optout login linkedin --totp
      printf '%s\\n%s\\n' "$PASSWORD" "$TOTP_SECRET" | \\
        optout login linkedin --username me@example.com --password-stdin --totp-stdin
      optout login linkedin --by-hand
      optout login linkedin --cdp http://127.0.0.1:9222
      optout login tumblr --detail blog=myblog
    """
    from optout.app import login as logging_in
    from optout.app.runner import RunOptions
    from optout.domain.accounts import Account
    from optout.recipe import select
    from optout.recipe.trust import point_and_bind
    from optout.store import credentials
    recipe = select(_recipes(ctx), [platform])[0]
    recipe.signing_in  # noqa: B018  (BadInput for a platform done all by hand)
    _check_account_name(account)
    details = _details(recipe, detail)
    single, per_platform, stand_ins = parse_origins(origin, {recipe.platform: recipe})
    where = single or per_platform.get(recipe.platform)
    if recipe.per_site and (not where or where == recipe.origin):
        raise BadInput(f"Each {recipe.name} account has its own site: give yours with --origin "
                       f"(like {recipe.origin}, with your site's name).")
    trusted = tuple(parse_origin(url) or url for url in trusted)
    target, bound, mapped = point_and_bind(recipe, where, stand_ins, trusted)
    target = target.with_details(dict(details))
    if cdp or profile_dir:
        _own_browser_login(target, account, bound, cdp, profile_dir, browser_path, origin, extra=(
            by_hand or password_stdin or totp or totp_stdin or verify or bool(username)))
        return
    credentials.require_keyring()
    trusted = tuple(o for o in trusted if o in bound)
    where_typed = f"; its credentials go only to {', '.join(bound)}"
    options = RunOptions(browser=browser_path)
    if by_hand:
        if password_stdin or totp or totp_stdin or verify:
            raise BadInput("--by-hand is a sign-in made by you; it takes no password, secret or "
                           "--verify.")
        who = Account(recipe.platform, account, None, bound, trusted, details, mapped)
        # An engine failure is an OptoutError with its exit code (3 when a person is needed).
        logging_in.by_hand(target, who, options)
        click.echo(f"Signed in to {recipe.name} by hand; the session for account {account!r} is "
                   f"saved (encrypted){where_typed} and no password is stored.")
        return
    if recipe.signing_in.by_hand:
        raise BadInput(f"{recipe.name} is signed in to by hand: `optout login {recipe.platform} "
                       "--by-hand` opens a browser for you to sign in (or use your own with "
                       "--cdp); no password is stored.")
    if not username:
        username = _ask(f"{recipe.name} sign-in ({recipe.signing_in.username[0].describe()})",
                        hide=False, flag="--username")
    if recipe.signing_in.passwordless:
        # The platform emails a code at each sign-in: keep the username, ask the code when needed.
        if password_stdin or totp or totp_stdin:
            raise BadInput(f"{recipe.name} signs in without a password (it emails a code); "
                           "give only --username.")
        who = Account(recipe.platform, account, username, bound, trusted, details, mapped)
        if verify:
            failure = logging_in.trial(target, who, options)
            if failure:
                raise _as_error(failure, " Nothing was stored.")
        credentials.store(who, None)
        click.echo(f"Stored {recipe.name} account {account!r} ({username}){where_typed}. "
                   f"{recipe.name} has no "
                   "password: each new sign-in asks you for the code it emails. Run optout in a "
                   f"terminal the first time, or use `optout login {recipe.platform} --by-hand`.")
        return
    password = _read_password(password_stdin, recipe.name)
    secret = _read_totp_secret(totp_stdin, password_stdin) if totp or totp_stdin else None
    who = Account(recipe.platform, account, username, bound, trusted, details, mapped)
    if verify:
        redact.add(password)
        redact.add(secret)
        failure = logging_in.trial(target, who, options, password, secret)
        if failure:
            raise _as_error(failure, " Nothing was stored.")
    credentials.store(who, password, secret)
    stored = "password and authenticator secret" if secret else "password"
    click.echo(f"Stored the {stored} for {recipe.name} account {account!r} in the keyring"
               f"{' after a successful sign-in' if verify else ''}{where_typed}.")


def _own_browser_login(recipe: Recipe, account: str, bound: tuple[str, ...], cdp: str | None,
                       profile_dir: Path | None, browser_path: str | None,
                       typed: tuple[str, ...], *, extra: bool) -> None:
    """`login --cdp`: whether the person's own browser is signed in. `login --profile`: a
    visible browser on that profile folder, for the person to sign in. Nothing is stored."""
    from optout.app import login as logging_in
    from optout.app.runner import RunOptions
    from optout.domain.accounts import Account
    if extra:
        raise BadInput("--cdp and --profile use a sign-in made by you in that browser: they take "
                       "no username, password, secret, --by-hand or --verify.")
    _own_browser(cdp, profile_dir)
    who = Account(recipe.platform, account, None, bound)
    options = RunOptions(browser=browser_path, cdp=cdp, profile_dir=profile_dir)
    # The same place again: a run without the --origin given here would go to the real site.
    where = "".join(f" --origin {shlex.quote(o)}" for o in typed)
    if profile_dir:
        logging_in.in_profile(recipe, who, options)
        click.echo(f"Signed in to {recipe.name} in the profile {profile_dir}; nothing was stored "
                   f"by optout. Opt out with `optout run {recipe.platform}{where} --profile "
                   f"{profile_dir}`.")
        return
    if not logging_in.own_browser_is_signed_in(recipe, who, options):
        raise NeedsHuman(f"Your browser is not signed in to {recipe.name}: sign in there "
                         "yourself, then run this again.")
    click.echo(f"Your browser is signed in to {recipe.name}; nothing was stored. Opt out there "
               f"with `optout run {recipe.platform}{where} --cdp {cdp}`.")


@click.command(short_help="Delete stored credentials and session.")
@click.argument("platform", required=False, shell_complete=_complete_platforms)
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True, metavar="NAME")
@click.option("--practice", is_flag=True,
              help="Forget every practice account, the demo's readings and the forms sent to "
              "the twins (as `optout practice --remove`).")
@click.pass_context
def forget(ctx: click.Context, platform: str | None, account: str, practice: bool) -> None:
    """Delete an account's stored password and saved session.

    \b
    Examples:
      optout forget linkedin --account work
      optout forget --practice
    """
    if practice:
        if platform:
            raise BadInput("--practice forgets the practice accounts of every platform; give "
                           "no platform with it.")
        from optout.app.practice import forget_practice_accounts
        gone = forget_practice_accounts(_recipes(ctx).values())
        click.echo("Forgot the practice accounts, the readings made on the twins and the forms "
                   f"sent to them{f' ({len(gone)} platforms stored one)' if gone else ''}.")
        return
    if platform is None:
        raise BadInput("Name the platform to forget an account of (`optout forget linkedin`), "
                       "or give --practice.")
    from optout.domain.accounts import Account
    from optout.recipe import select
    from optout.recipe.names import account_of
    from optout.store import credentials
    from optout.store.history import History
    from optout.store.sessions import delete_sessions
    recipe = select(_recipes(ctx), [platform])[0]
    _check_account_name(account)
    stored = [a.name for a in credentials.accounts(recipe.platform)]
    with History() as history:
        # Stored accounts, and those only in the history (the demo's): either can be forgotten.
        known = stored + [name for name in history.accounts(recipe.platform, since_forgotten=True)
                          if name not in stored]
        account = account_of(account, known, recipe.name) if known else account
        who = Account(recipe.platform, account)
        removed = credentials.forget(who)
        removed = delete_sessions(who) or removed
        if not removed and account not in known:
            raise BadInput(f"Nothing is stored for {recipe.name} account {account!r}; "
                           "`optout list` shows the stored accounts.")
        history.forget(recipe.platform, account)  # its readings stay, out of `status` and proof
    click.echo(f"Forgot {recipe.name} account {account!r}: " +
               ("password and saved session deleted." if removed else
                "nothing was stored for it; its readings are left out of `status` and the "
                "report's proof from now on."))
