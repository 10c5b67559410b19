"""Reading recipe files: each one validated on load, a broken one reported with its file, line
and problem; later folders' recipes replace the shipped ones."""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from optout.domain.errors import BadInput, RecipeError, first_line
from optout.domain.timings import phase
from optout.home import data_path
from optout.kinds import KINDS
from optout.recipe import powers
from optout.recipe.names import platform_of
from optout.recipe.schema import Recipe

# libyaml's safe loader where PyYAML was built with it: recipes load several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A recipe may come from a stranger: bounded in size and depth (the largest shipped recipe is a
# few KB and 8 levels deep), so a hostile file can neither stall every command nor crash one.
MAX_RECIPE_BYTES = 256 * 1024
MAX_DEPTH = 16


# A shipped platform is one folder: recipes/<platform>/ holds recipe.yaml, its twin and notes.
RECIPE_FILE = "recipe.yaml"


def load_recipe(path: Path) -> Recipe:
    """Read and validate one recipe file; RecipeError names the file, line and problem."""
    try:
        # A device or a pipe (a symlink to /dev/zero, say) would be read for ever.
        if not stat.S_ISREG(path.stat().st_mode):
            raise RecipeError(f"{path}: not a regular file; a recipe is a YAML text file.")
        with path.open("rb") as handle:
            raw = handle.read(MAX_RECIPE_BYTES + 1)
        if len(raw) > MAX_RECIPE_BYTES:
            raise RecipeError(f"{path}: too large for a recipe (at most "
                              f"{MAX_RECIPE_BYTES // 1024} KB); check that it is the right file.")
        text = raw.decode("utf-8")
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read the recipe ({exc.strerror}).") from exc
    except UnicodeDecodeError as exc:
        raise RecipeError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8.") from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
        _check_shape(path, node)
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        if "nesting depth" in str(exc.problem):  # PyYAML 6.0.4 and later stop it themselves
            raise RecipeError(f"{path}{line}: nested too deeply to be a recipe (at most "
                              f"{MAX_DEPTH} levels).") from exc
        raise RecipeError(f"{path}{line}: not valid YAML ({exc.problem}).") from exc
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise RecipeError(f"{path}: not valid YAML ({first_line(exc)}).") from exc
    except RecursionError as exc:
        raise RecipeError(f"{path}: nested too deeply to be a recipe (at most {MAX_DEPTH} "
                          "levels).") from exc
    if not isinstance(data, dict):
        raise RecipeError(f"{path}, line 1: a recipe must be a mapping of keys to values.")
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        # A setting's errors carry its kind's tag ("settings", 0, "toggle", …): not a recipe key.
        loc = tuple(part for index, part in enumerate(error["loc"])
                    if not (index == 2 and error["loc"][0] == "settings" and part in KINDS))
        at = _line_of(node, loc)
        where = ".".join(str(part) for part in loc) or "recipe"
        raise RecipeError(f"{path}, line {at}: {where}: {_plain(error)}.") from exc
    in_its_folder = path.name == RECIPE_FILE  # recipes/<platform>/recipe.yaml
    expected = path.parent.name if in_its_folder else path.stem
    if recipe.platform != expected:
        named = (f"its folder is named {path.parent.name}; name the folder {recipe.platform}"
                 if in_its_folder else
                 f"the file is named {path.name}; name the file {recipe.platform}.yaml")
        raise RecipeError(
            f"{path}, line {_line_of(node, ('platform',))}: platform is {recipe.platform!r} "
            f"but {named}.")
    return recipe.model_copy(update={"file": path, "digest": hashlib.sha256(raw).hexdigest()})


def _check_shape(path: Path, root: yaml.Node | None) -> None:
    """RecipeError for a recipe nested deeper than any real one, or a key given twice (YAML
    would keep the last silently: a stranger's recipe could hide a second `origin:`)."""
    stack = [(root, 1)] if root is not None else []
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.CollectionNode):
            # An alias is the same node met again: refused, since a few hundred bytes of them
            # stand for billions of values.
            if id(node) in seen:
                raise RecipeError(f"{path}, line {node.start_mark.line + 1}: anchors and aliases "
                                  "(&name, *name) are not allowed in a recipe; write it out.")
            seen.add(id(node))
        if depth > MAX_DEPTH:
            raise RecipeError(f"{path}, line {node.start_mark.line + 1}: nested too deeply to be "
                              f"a recipe (at most {MAX_DEPTH} levels).")
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode) and key.value in keys:
                    raise RecipeError(f"{path}, line {line}: {key.value!r} is given twice (first "
                                      f"on line {keys[key.value]}); keep one.")
                if isinstance(key, yaml.ScalarNode):
                    keys[key.value] = line
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)


def _plain(error: ErrorDetails) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return "is not a recipe key (check its spelling)"
    if error["type"] == "missing":
        return "is required"
    return message


def _line_of(node: yaml.Node | None, loc: Sequence[Any]) -> int:
    """1-based line of the deepest YAML node along a validation error's path."""
    line = node.start_mark.line + 1 if node else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


# --- the registry --------------------------------------------------------------------------------


def recipe_files(folder: Path) -> list[Path]:
    """A folder's recipes: PLATFORM/recipe.yaml in a platform's own folder (the shipped layout,
    beside its twin and evidence note), then PLATFORM.yaml files, which win where a folder has
    both (`optout teach` writes its repairs that way)."""
    return [*sorted(folder.glob(f"*/{RECIPE_FILE}")), *sorted(folder.glob("*.yaml"))]


def shipped_recipe_file(platform: str) -> Path:
    """Where optout's own recipe for `platform` is (it may not exist)."""
    return builtin_recipe_dir() / platform / RECIPE_FILE


@functools.cache
def shipped_recipe(platform: str) -> Recipe | None:
    """optout's own recipe for `platform`, if it ships one."""
    path = shipped_recipe_file(platform)
    return load_recipe(path) if path.is_file() else None


def is_shipped(recipe: Recipe) -> bool:
    """Whether `recipe` was read from optout's own recipes (not an override of them)."""
    return recipe.file is not None and recipe.file.resolve().is_relative_to(
        builtin_recipe_dir().resolve())


def require_powers(recipe: Recipe) -> Recipe:
    """`recipe`, or RecipeError naming the powers it takes that only optout's own may take."""
    if is_shipped(recipe):
        return recipe
    problems = powers.refused(recipe, shipped_recipe(recipe.platform))
    if problems:
        raise RecipeError(f"{recipe.file}: {problems[0]}; a recipe that is not optout's own "
                          "may not do that, approved or not."
                          + (f" ({len(problems) - 1} more like it.)" if len(problems) > 1
                             else ""))
    return recipe


def builtin_recipe_dir() -> Path:
    """Recipes shipped inside the wheel, or the repository's recipes/ in a source checkout."""
    packaged = Path(__file__).parent.parent / "_recipes"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent.parent / "recipes"


def user_recipe_dir() -> Path:
    """Where `optout teach` writes the recipes it repaired: the data folder's `recipes`."""
    return data_path() / "recipes"


def recipe_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Built-in recipes first, then OPTOUT_RECIPE_PATH, then the ones `optout teach` repaired
    (the data folder's `recipes`: the person's latest fix), then --recipes: later ones win."""
    dirs = [builtin_recipe_dir()]
    env = os.environ.get("OPTOUT_RECIPE_PATH", "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    if user_recipe_dir().is_dir():
        dirs.append(user_recipe_dir())
    dirs += [Path(p) for p in extra]
    for folder in dirs[1:]:
        if not folder.is_dir():
            raise BadInput(f"Recipe folder {folder} does not exist; check --recipes or OPTOUT_RECIPE_PATH.")
    return dirs


class Recipes(Mapping[str, Recipe]):
    """Every recipe by platform, each read and validated when it is first asked for: a command
    that names one platform reads its file alone. A recipe's platform is its file's name
    (`load_recipe` refuses a file whose recipe says otherwise), so the names are known unread."""

    def __init__(self, files: Mapping[str, Path]):
        self._files = dict(sorted(files.items()))
        self._read: dict[str, Recipe] = {}

    def __getitem__(self, platform: str) -> Recipe:
        if platform not in self._read:
            path = self._files[platform]
            with phase("recipes"):
                self._read[platform] = require_powers(load_recipe(path))
        return self._read[platform]

    def __contains__(self, platform: object) -> bool:
        return platform in self._files  # known by its file's name, without reading it

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def load_recipes(extra: Iterable[str | Path] = ()) -> Recipes:
    """Every recipe by platform name; a later folder's recipe replaces an earlier one's. Each is
    read when first asked for; RecipeError then, naming its file, if it is broken."""
    files: dict[str, Path] = {}
    for folder in recipe_dirs(extra):
        for path in recipe_files(folder):
            files[path.parent.name if path.name == RECIPE_FILE else path.stem] = path
    return Recipes(files)


def select(recipes: Mapping[str, Recipe], names: Sequence[str]) -> list[Recipe]:
    """The recipes asked for by name (any case, or a name the platform went by), or BadInput
    naming the unknown one and the likely platforms."""
    chosen = [platform_of(name, recipes) for name in names]
    return [recipes[n] for n in dict.fromkeys(chosen)]
