"""Recipes: the schema every recipe file is validated against, and loading them from folders.

A recipe is a YAML file of data only: it can ask the engine for the steps the engine knows and
nothing else, so a recipe written by a stranger is safe to load.
"""

from optout.domain.targets import Target, normalise_origin
from optout.kinds.base import SettingBase as Setting
from optout.kinds.form import FormField, FormSetting
from optout.kinds.toggle import ToggleSetting
from optout.recipe.loading import (
    builtin_recipe_dir,
    load_recipe,
    load_recipes,
    recipe_dirs,
    select,
    user_recipe_dir,
)
from optout.recipe.schema import Challenge, LeftAlone, Recipe

__all__ = [
    "Challenge", "FormField", "FormSetting", "LeftAlone", "Recipe", "Setting", "Target",
    "ToggleSetting",
    "builtin_recipe_dir", "load_recipe", "load_recipes", "normalise_origin", "recipe_dirs",
    "select", "user_recipe_dir",
]
