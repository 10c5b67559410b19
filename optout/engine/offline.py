"""Settings decided before any browser starts: those done by hand, and those that do not exist
where the person lives (a setting's `regions` against the profile's country)."""

from __future__ import annotations

from dataclasses import replace

from optout.domain.regions import applies_in, words
from optout.domain.results import Mode, Result, Status
from optout.kinds import SettingBase, kind_of
from optout.recipe.job import Job


def result_for(job: Job, setting: SettingBase, status: Status, *, after: str | None = None,
               message: str = "") -> Result:
    return Result(platform=job.recipe.platform, account=job.account.name, setting=setting.id,
                  desired=setting.desired, status=status, after=after, message=message,
                  title=setting.title, seconds=0.0)


def split(job: Job, mode: Mode, country: str | None) -> tuple[list[Result], Job | None]:
    """The results known without a browser, and the job left for one (None if nothing is)."""
    known: list[Result] = []
    left: list[SettingBase] = []
    for setting in job.settings:
        if applies_in(setting.regions, country) is False:
            known.append(result_for(job, setting, Status.NOT_APPLICABLE, message=(
                f"Applies in {words(setting.regions)}; your profile's country is {country} "
                "(`optout profile --country` changes it).")))
            continue
        if setting.not_offered_in and applies_in(setting.not_offered_in, country):
            known.append(result_for(job, setting, Status.NOT_APPLICABLE, message=(
                f"{job.recipe.name} does not offer this in {country}, by its own account "
                f"({setting.not_offered_source or setting.source}); `optout profile --country` "
                "changes your country.")))
            continue
        decided = kind_of(setting).offline(setting, platform=job.recipe.platform,
                                           marked_done=job.marked_done.get(setting.id))
        if decided is None:
            left.append(setting)
        else:
            known.append(result_for(job, setting, decided.status, after=decided.after,
                                    message=decided.message))
    return known, (replace(job, settings=left) if left else None)


def in_setting_order(job: Job, results: list[Result]) -> list[Result]:
    """An account's results in the order of its recipe's settings."""
    order = {s.id: i for i, s in enumerate(job.recipe.settings)}
    return sorted(results, key=lambda r: order.get(r.setting, len(order)))
