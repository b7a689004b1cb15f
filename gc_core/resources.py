"""Where the shipped data (schemas/, conf/) lives: beside the package in a checkout or
an editable install, under ``<prefix>/share/generic-connector`` in a wheel install.
``GC_HOME`` overrides both (a directory holding ``schemas/`` and ``conf/``)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def resource_dir(name: str) -> Path:
    candidates = []
    if os.environ.get("GC_HOME"):
        candidates.append(Path(os.environ["GC_HOME"]) / name)
    candidates.append(Path(__file__).resolve().parent.parent / name)
    candidates.append(Path(sys.prefix) / "share" / "generic-connector" / name)
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError(f"cannot find the {name!r} directory (looked in {', '.join(map(str, candidates))})")


def schemas_dir() -> Path:
    return resource_dir("schemas")


def conf_dir() -> Path:
    return resource_dir("conf")
