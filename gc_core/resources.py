"""Where the shipped data lives: the package data of ``gc_core`` (``gc_core/data/``, links to the checkout's top-level ``schemas/`` and ``conf/``),
read with :mod:`importlib.resources`, so a wheel, an editable install, a
``pip install --user`` and a checkout all find the same files.

- ``schemas/``: the core's JSON Schemas (``commands/<Type>.json``, ``events/<Type>.json``
  and shared definitions); plugins ship their own (``gc_schema_dirs`` hook).
- ``conf/``: the packaged default configuration ``gc.toml``, the starting files
  ``example-<name>.toml`` (``gc config example NAME``) and the sim's default site
  ``sim-site.toml``.

``GC_HOME`` (a directory holding ``schemas/`` and/or ``conf/``) overrides the package
data, directory by directory.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE = "gc_core"
DATA = "data"


class ResourceError(FileNotFoundError):
    """A shipped data directory or file is missing (a broken install or a wrong GC_HOME)."""


def resource_dir(name: str) -> Path:
    """The directory ``name`` (``"schemas"`` or ``"conf"``): ``$GC_HOME/<name>`` when it
    exists, else the package data. Raises :class:`ResourceError` naming where it looked."""
    looked = []
    home = os.environ.get("GC_HOME")
    if home:
        candidate = Path(home) / name
        if candidate.is_dir():
            return candidate
        looked.append(str(candidate))
    packaged = resources.files(PACKAGE).joinpath(DATA, name)
    # Installed packages are plain directories (wheels are unpacked); a zipped install
    # would give a Traversable that is not a Path, which the schema loader cannot read.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    looked.append(str(packaged))
    raise ResourceError(f"cannot find the {name!r} directory of generic-connector (looked in "
                        f"{', '.join(looked)}): reinstall the package, or point GC_HOME at a copy")


def schemas_dir() -> Path:
    return resource_dir("schemas")


def conf_dir() -> Path:
    return resource_dir("conf")


def example_names() -> list[str]:
    """The starting configurations ``gc config example`` offers: ``default`` (the packaged
    ``gc.toml``) and every ``example-<name>.toml``."""
    return ["default"] + sorted(p.stem[len("example-"):] for p in conf_dir().glob("example-*.toml"))


def example_file(name: str) -> Path:
    """The file of one starting configuration (see :func:`example_names`)."""
    path = conf_dir() / ("gc.toml" if name == "default" else f"example-{name}.toml")
    if not path.is_file():
        raise ResourceError(f"no example configuration {name!r} (choose from {', '.join(example_names())})")
    return path
