"""The zoom plugin: ZOOMPauseRecording / ZOOMResumeRecording through Zoom's REST API
(Server-to-Server OAuth), for a Zoom Contact Center engagement or a Zoom meeting.

- :mod:`.client`: OAuth token cache and the two recording calls, errors as Error events;
- :mod:`.commands`: where the target comes from, and the ZoomRecording answer;
- :mod:`.standin`: a local HTTP stand-in for those Zoom endpoints (tests, integrators:
  ``python -m gc_zoom.standin``).

Configuration ``[zoom]``: see :func:`gc_config_defaults`. Put the client secret in
the environment (``GC__ZOOM__CLIENT_SECRET``) rather than a file; ``gc plugins``
shows it masked.
"""
from __future__ import annotations

import logging

from gc_core.commands import CommandSpec
from gc_core.hookspecs import hookimpl

from . import commands as c

log = logging.getLogger("gc.zoom")


@hookimpl
def gc_config_defaults():
    return {"zoom": {
        # Server-to-Server OAuth app credentials (Zoom App Marketplace).
        "account_id": "",
        "client_id": "",
        "client_secret": "",
        "oauth_url": "https://zoom.us/oauth/token",
        "api_url": "https://api.zoom.us/v2",
        "timeout": 10.0,                # seconds for each Zoom request (connect, then read)
        "token_refresh_margin": 120.0,  # a cached token is replaced this many seconds before expiry
        "verify_tls": True,
        # What to pause / resume: "engagement" (Contact Center) or "meeting", for a bare id.
        "target_kind": "engagement",
        # Call variable of the agent's active call naming the target ("" = do not look).
        "target_variable": "callVariable10",
        # Fallbacks: per agent {"1001" = "meeting:85746065432"}, then one for everybody.
        "agent_targets": {},
        "target_id": "",
    }}


@hookimpl
def gc_commands():
    return [
        CommandSpec("ZOOMPauseRecording", c.pause_recording),
        CommandSpec("ZOOMResumeRecording", c.resume_recording),
    ]


@hookimpl
def gc_startup(connector):
    zc = c.client(connector)
    if not zc.configured:
        log.warning("zoom plugin enabled but not configured (zoom.account_id, zoom.client_id, "
                    "zoom.client_secret): its commands will answer an Error")
    else:
        log.info("zoom: account %s via %s", zc.account_id, zc.api_url)


@hookimpl
def gc_shutdown(connector):
    zc = connector.extras.pop(c.CLIENT, None)
    if zc is not None:
        zc.close()
