"""Generic Connector core: plugin manager, configuration, codecs, schemas, routing,
sessions and the gevent process lifecycle. It knows no transport, no telephony
backend and no feature: plugins bring those (see :mod:`gc_core.hookspecs`)."""

__version__ = "0.1.0"
