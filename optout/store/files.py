"""The data folder, and writing files into it privately and atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from optout.domain.errors import BadInput
from optout.home import data_path

__all__ = ["data_dir", "data_path", "lock_path", "private_dir", "read_json", "write_json",
           "write_private"]


def data_dir() -> Path:
    """The data folder, created private to the user, and made private if it was not."""
    path = private_dir(data_path())
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)  # it holds sessions and the record of sent forms
    return path


def private_dir(path: Path) -> Path:
    """Create `path` readable by the user only; missing parents are created private too."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return path


def lock_path(name: str) -> Path:
    """A lock file in the data folder's private `locks` folder (for filelock)."""
    return private_dir(data_dir() / "locks") / f"{name}.lock"


def write_private(path: Path, data: bytes | str, *, mode: int = 0o600) -> Path:
    """Write a file mode 0600 (or `mode`) atomically: readers see the old file or the new one,
    never half; a symlink planted at `path` is replaced, never followed."""
    private_dir(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_json(path: Path, default: Any) -> Any:
    """The JSON in `path`, `default` if there is none; BadInput if it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (ValueError, OSError) as exc:
        raise BadInput(f"{path} cannot be read ({exc}); restore it from a backup or delete it "
                       "and log in again.") from exc
    if not isinstance(data, type(default)):
        raise BadInput(f"{path} does not hold what optout wrote there; restore it from a backup "
                       "or delete it and log in again.")
    return data


def write_json(path: Path, data: Any) -> Path:
    return write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
