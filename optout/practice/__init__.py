"""The practice platform: local twins of the platforms' documented settings pages.

It lets a person see the whole flow (`optout demo`) and lets the tests drive a real browser
through sign-in, settings and the faults a real platform can show, all on 127.0.0.1.
"""

from optout.domain.profile import PRACTICE_PROFILE
from optout.practice.server import PracticePlatform
from optout.practice.twin import load_specs
from optout.practice.world import FAULTS, REALISTIC, World

# The recipes that have a twin here (each twin reproduces its recipe's labels and paths).
TWINS = frozenset({"linkedin", *load_specs()})

__all__ = ["FAULTS", "PRACTICE_PROFILE", "REALISTIC", "TWINS", "PracticePlatform", "World"]
