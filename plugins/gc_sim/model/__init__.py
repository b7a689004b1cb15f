"""The simulated contact center: a small, deterministic ACD in pure Python.

One model, two faces: the ``sim`` backend of GC and the Finesse emulator both drive
a :class:`ContactCenter` and turn its :mod:`gc_core.domain` events into their own
wire formats. No threads, no I/O (except :func:`load_site`), no timers: time comes
from the ``clock`` callable, traffic from :meth:`ContactCenter.inbound_call` & co.

    from gc_sim.model import ContactCenter, Site, CCError, load_site
    cc = ContactCenter(load_site("my-site.toml"), flavour="UCCE")
    cc.subscribe(print)
    cc.change_state("1001", "LOGIN", extension="1001", request_id="r1")
"""
from .errors import CCError
from .site import (AgentDef, ContactDef, PhoneBookDef, QueueDef, ReasonCodeDef, Site, SiteError,
                   TeamDef, WrapUpReasonDef, default_site, load_site)
from .contact_center import ContactCenter, FIRST_DIALOG_ID

__all__ = [
    "ContactCenter", "Site", "CCError", "load_site", "default_site", "SiteError", "FIRST_DIALOG_ID",
    "AgentDef", "TeamDef", "ReasonCodeDef", "WrapUpReasonDef", "QueueDef", "PhoneBookDef", "ContactDef",
]
