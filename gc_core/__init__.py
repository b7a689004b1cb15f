"""Generic Connector core: plugin manager, configuration, codecs, schemas, routing,
sessions and the gevent process lifecycle. It knows no transport, no telephony
backend and no feature: plugins bring those (see :mod:`gc_core.hookspecs`)."""

from importlib.metadata import PackageNotFoundError, version as _version

DISTRIBUTION = "generic-connector"

try:  # one version source: pyproject.toml, as recorded in the installed distribution
    __version__ = _version(DISTRIBUTION)
except PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
    __version__ = "0+unknown"
