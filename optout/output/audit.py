"""The catalogue audit: every setting with its sources, their dates and how sure its recipe is,
oldest evidence first, so the next review of the catalogue starts from what is most likely stale.

    python -m optout.output.audit            # a text listing
    python -m optout.output.audit --json     # the same as one JSON document
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date

from optout.output.catalogue import default_words, is_stale
from optout.recipe import Recipe


@dataclass(frozen=True)
class Source:
    url: str
    date: str | None
    approximate: bool
    publisher: str | None


@dataclass(frozen=True)
class Entry:
    platform: str
    setting: str
    title: str
    confidence: str
    unconfirmed: list[str]
    default: str
    regions: list[str]
    newest_evidence: str | None
    over_a_year_old: bool
    live_verified: str | None
    sources: list[Source]


def entries(recipes: Iterable[Recipe], today: date | None = None) -> list[Entry]:
    """Every setting of `recipes`, the oldest newest-evidence first (undated ones before all)."""
    found = []
    for recipe in recipes:
        for s in recipe.settings:
            sources = [Source(s.source, s.source_date.isoformat() if s.source_date else None,
                              s.source_date_approximate, s.source_publisher),
                       *(Source(m.url, m.date.isoformat(), m.approximate, m.publisher)
                         for m in s.more_sources)]
            found.append(Entry(
                recipe.platform, s.id, s.title, s.confidence or "unrated", s.unconfirmed,
                default_words(s), s.regions,
                s.evidence_date.isoformat() if s.evidence_date else None, is_stale(s, today),
                s.live_verified.isoformat() if s.live_verified else None, sources))
    return sorted(found, key=lambda e: (e.newest_evidence or "", e.platform, e.setting))


def text(found: list[Entry]) -> str:
    lines = ["Every setting, oldest evidence first; ~ marks a date guessed near the page's own "
             "(it shows none).", ""]
    for e in found:
        old = " (over a year old)" if e.over_a_year_old else ""
        lines.append(f"{e.platform}/{e.setting}: {e.confidence}, newest evidence "
                     f"{e.newest_evidence or 'undated'}{old}")
        lines.append(f"  {e.title}; default {e.default}; regions {', '.join(e.regions)}; "
                     f"live: {e.live_verified or 'never checked'}")
        lines.extend(f"  unconfirmed: {detail}" for detail in e.unconfirmed)
        lines.extend(f"  {('~' if s.approximate else '') + (s.date or 'undated'):11} {s.url}"
                     + (f" ({s.publisher})" if s.publisher else "") for s in e.sources)
    counts = Counter(e.confidence for e in found)
    lines.append(f"\n{len(found)} settings across {len({e.platform for e in found})} platforms: "
                 + ", ".join(f"{n} {level}" for level, n in sorted(counts.items()))
                 + f"; {sum(e.over_a_year_old for e in found)} with evidence over a year old.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m optout.output.audit", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--recipes", action="append", default=[], metavar="DIR",
                        help="a further recipe folder (as optout's --recipes)")
    args = parser.parse_args(argv)
    from pathlib import Path

    from optout.recipe import load_recipes

    found = entries(load_recipes([Path(d) for d in args.recipes]).values())
    print(json.dumps([asdict(e) for e in found], indent=2) if args.json else text(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
