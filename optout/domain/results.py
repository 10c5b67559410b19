"""What a run found and did for each setting, and the exit code that sums it up."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

# Exit codes (docs/using.md, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NEEDS_HUMAN = 3
EXIT_DRIFT = 4


class Status(str, Enum):
    CHANGED = "changed"  # switched, and a fresh load shows the desired state
    ALREADY = "already"  # a fresh load showed the desired state; nothing touched
    WOULD_CHANGE = "would_change"  # dry run: not in the desired state, left alone
    OK = "ok"  # check: in the desired state
    DRIFT = "drift"  # check: not in the desired state
    FAILED = "failed"  # could not be done or could not be verified
    NEEDS_HUMAN = "needs_human"  # a person has to step in
    MARKED_DONE = "marked_done"  # done by hand, as the person said (`optout done`); unverified
    NOT_APPLICABLE = "not_applicable"  # the setting does not exist where the person lives


class Mode(str, Enum):
    RUN = "run"
    DRY_RUN = "dry_run"
    CHECK = "check"
    FIX = "fix"  # check --fix: like run, but a setting found as desired is `ok`


@dataclass
class Result:
    platform: str
    account: str
    setting: str
    desired: str
    status: Status
    before: str | None = None
    after: str | None = None
    verified: bool = False
    evidence: dict[str, str] | None = None
    message: str = ""
    # For people and benchmarks, not part of the JSON contract.
    title: str = field(default="", compare=False)
    seconds: float | None = field(default=None, compare=False)
    # Who the page showed signed in, where the recipe names where it shows it (kept in the
    # evidence; in the person's own browser, whom the result is filed under).
    identity: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("title")
        data.pop("seconds")
        data.pop("identity")
        data["status"] = self.status.value
        return data


def exit_code(results: list[Result]) -> int:
    """0 all in the desired state; 1 any failure; 3 a person is needed; 4 one is not as desired."""
    statuses = {r.status for r in results}
    if Status.FAILED in statuses:
        return EXIT_FAILED
    if Status.NEEDS_HUMAN in statuses:
        return EXIT_NEEDS_HUMAN
    if statuses & {Status.DRIFT, Status.WOULD_CHANGE}:
        return EXIT_DRIFT
    return EXIT_OK
