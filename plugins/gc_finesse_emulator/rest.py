"""The Finesse Desktop REST API of one emulated node, as a WSGI application (served
by gevent's pywsgi in the emulator's hub thread).

Order of checks for every request, as on Finesse: route (404 / 405), node status
(503 ``SERVER_OUT_OF_SERVICE`` except ``GET SystemInfo``), HTTP Basic credentials
(401, five bad passwords lock the user for five minutes), then the call itself.
Accepted PUT/POST answer 202 with no body; the result is published as a
notification carrying the ``requestId`` header. Refusals are ``<ApiErrors>`` bodies
with Finesse's status; nothing a client sends yields a 500 (an unexpected failure
is logged and answered with a 500 ApiErrors body; the server keeps serving).
"""
from __future__ import annotations

import base64
import binascii
import logging
import re
from typing import TYPE_CHECKING, Callable, Optional
from urllib.parse import parse_qs

from gc_core.domain import User

from . import xmlcodec as X
from .xmlcodec import BadRequest

if TYPE_CHECKING:  # pragma: no cover
    from .cluster import EmulatorNode

log = logging.getLogger("gc_finesse_emulator.rest")

try:
    from gc_sim.model import CCError
except ImportError:  # pragma: no cover - the model is always installed with GC
    class CCError(Exception):  # type: ignore[no-redef]
        def __init__(self, status, error_type, error_message="", error_data=""):
            super().__init__(error_message)
            self.status, self.error_type = status, error_type
            self.error_message, self.error_data = error_message, error_data

REASONS = {200: "OK", 202: "Accepted", 206: "Partial Content", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 416: "Requested Range Not Satisfiable",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}

XML = "application/xml"

# PUT /Dialog requestedActions of the reference (sections 3 and 4).
DIALOG_ACTIONS = ("ANSWER", "HOLD", "RETRIEVE", "DROP", "CONSULT_CALL", "TRANSFER", "TRANSFER_SST",
                  "CONFERENCE", "UPDATE_CALL_DATA", "SEND_DTMF", "START_RECORDING", "PARTICIPANT_DROP",
                  "ACCEPT", "REJECT", "CLOSE", "RECLASSIFY", "UPDATE_SCHEDULED_CALLBACK",
                  "CANCEL_SCHEDULED_CALLBACK")
# Actions whose body must name the acting device (or, PARTICIPANT_DROP, the party).
NEEDS_TARGET = frozenset(DIALOG_ACTIONS) - {"UPDATE_CALL_DATA", "UPDATE_SCHEDULED_CALLBACK", "RECLASSIFY"}
POST_ACTIONS = ("MAKE_CALL", "SILENT_MONITOR", "BARGE_CALL")
MAX_RANGE = 6000


class Response:
    __slots__ = ("status", "body", "headers")

    def __init__(self, status: int, body: str = "", headers: Optional[list] = None):
        self.status, self.body, self.headers = status, body, headers or []


def error(status: int, error_type: str, message: str, data: str = "") -> Response:
    return Response(status, X.api_errors(error_type, message, data))


def _fail(status: int, error_type: str, message: str, data: str = "") -> CCError:
    return CCError(status, error_type, message, data)


class RestApp:
    """WSGI app for one node; every model access goes through ``node.cluster.call``."""

    def __init__(self, node: "EmulatorNode"):
        self.node = node
        self.cluster = node.cluster
        # (regex, {method: handler}) in match order
        self.routes: list[tuple[re.Pattern, dict[str, Callable]]] = [
            (r"SystemInfo", {"GET": self.get_system_info}),
            (r"User/(?P<uid>[^/]+)", {"GET": self.get_user, "PUT": self.put_user}),
            (r"User/(?P<uid>[^/]+)/Dialogs", {"GET": self.get_dialogs, "POST": self.post_dialog}),
            (r"User/(?P<uid>[^/]+)/ReasonCodes", {"GET": self.get_reason_codes}),
            (r"User/(?P<uid>[^/]+)/WrapUpReasons", {"GET": self.get_wrap_up_reasons}),
            (r"User/(?P<uid>[^/]+)/Queues", {"GET": self.get_user_queues}),
            (r"User/(?P<uid>[^/]+)/PhoneBooks", {"GET": self.get_phonebooks}),
            (r"Dialog/(?P<did>[^/]+)", {"GET": self.get_dialog, "PUT": self.put_dialog}),
            (r"Team/(?P<tid>[^/]+)", {"GET": self.get_team}),
            (r"Queue/(?P<qid>[^/]+)", {"GET": self.get_queue}),
            (r"TeamResource/(?P<tid>[^/]+)/PhoneBooks", {"GET": self.get_team_phonebooks}),
            (r"PhoneBook/(?P<pid>[^/]+)/Contacts", {"GET": self.get_contacts}),
        ]
        self.routes = [(re.compile(rf"^/finesse/api/{p}/?$"), m) for p, m in self.routes]

    # -- WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        try:
            resp = self.dispatch(environ)
        except CCError as exc:
            resp = error(exc.status, exc.error_type, exc.error_message, exc.error_data)
        except BadRequest as exc:
            resp = error(400, exc.error_type, exc.error_message, exc.error_data)
        except Exception:  # never let a request take the server down
            log.exception("internal error on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            resp = error(500, "Internal Server Error", "Internal Server Error")
        headers = list(resp.headers)
        body = resp.body.encode("utf-8") if resp.body else b""
        if body:
            headers.append(("Content-Type", f"{XML};charset=UTF-8"))
        headers.append(("Content-Length", str(len(body))))
        start_response(f"{resp.status} {REASONS.get(resp.status, 'Unknown')}", headers)
        return [body] if body else []

    def dispatch(self, environ) -> Response:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "")
        for pattern, methods in self.routes:
            m = pattern.match(path)
            if m:
                break
        else:
            return error(404, "Not Found", "Resource Not Found", path)
        handler = methods.get(method)
        if handler is None:
            resp = error(405, "Method Not Allowed", f"{method} not supported on this resource", method)
            resp.headers.append(("Allow", ", ".join(methods)))
            return resp
        public = handler == self.get_system_info  # no credentials, answers while out of service
        if not public and not self.node.in_service:
            return error(503, "Service Unavailable", "SERVER_OUT_OF_SERVICE")
        req = Request(environ, m.groupdict())
        if not public:
            req.user = self.authenticate(environ)
        return handler(req)

    def authenticate(self, environ) -> User:
        header = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic" or not value:
            raise _fail(401, "Authorization Failure", "UNAUTHORIZED")
        try:
            user_id, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise _fail(401, "Authorization Failure", "UNAUTHORIZED") from None
        if not sep or not user_id:
            raise _fail(401, "Authorization Failure", "UNAUTHORIZED")
        try:
            return self.cluster.call(self.node, "authenticate", user_id, password)
        except CCError as exc:
            if exc.status == 404:  # nobody by that name: Finesse cannot authenticate it
                raise _fail(401, "Authorization Failure", "UNAUTHORIZED", user_id) from None
            raise

    # -- helpers -----------------------------------------------------------------------
    def model(self, name: str, *args, **kwargs):
        return self.cluster.call(self.node, name, *args, **kwargs)

    def _self_or_supervisor(self, req: "Request", target_id: str) -> None:
        """An agent reads its own objects; a supervisor also those of its teams' members."""
        if req.user.login_id == target_id:
            return
        target = self.model("get_user", target_id)  # 404 User Not Found first
        if target.team and self._supervises(req.user, target.team.id):
            return
        raise _fail(401, "Invalid Authorization User Specified",
                    "The authenticated user may not access this user", target_id)

    def _self_only(self, req: "Request", target_id: str) -> None:
        if req.user.login_id != target_id:
            self.model("get_user", target_id)
            raise _fail(401, "Invalid Authorization User Specified",
                        "The authenticated user may not act for this user", target_id)

    def _supervises(self, user: User, team_id: str) -> bool:
        return user.is_supervisor and any(t.id == team_id for t in user.teams)

    @staticmethod
    def accepted() -> Response:
        return Response(202)

    # -- SystemInfo ---------------------------------------------------------------------
    def get_system_info(self, req: "Request") -> Response:
        return Response(200, X.to_string(self.node.system_info_el()))

    # -- User --------------------------------------------------------------------------
    def get_user(self, req: "Request") -> Response:
        uid = req.params["uid"]
        self._self_or_supervisor(req, uid)
        return Response(200, X.user(self.model("get_user", uid)))

    def put_user(self, req: "Request") -> Response:
        uid = req.params["uid"]
        root = X.parse_body(req.body(), "User")
        state = X.text(root, "state")
        if not state:
            raise _fail(400, "Parameter Missing", "State Parameter missing", "state")
        reason = X.text(root, "reasonCodeId") or None
        extension = X.text(root, "extension") or None
        mobile = X.parse_mobile_agent(root)
        if state == "LOGIN" and not extension:
            raise _fail(400, "Parameter Missing", "Extension Parameter missing", "extension")
        if mobile is not None and (not mobile.mode or not mobile.dial_number):
            raise _fail(400, "Parameter Missing", "Mobile agent mode and dialNumber are required",
                        "mode" if not mobile.mode else "dialNumber")
        actor = None if req.user.login_id == uid else req.user.login_id
        self.model("change_state", uid, state, reason_code_id=reason, extension=extension, mobile_agent=mobile,
                   request_id=req.request_id, actor_id=actor)
        return self.accepted()

    def get_reason_codes(self, req: "Request") -> Response:
        uid = req.params["uid"]
        self._self_or_supervisor(req, uid)
        category = req.query("category")
        if category is None:
            raise _fail(400, "Parameter Missing", "Category Parameter missing", "category")
        category = category.upper()
        if category == "ALL":  # Finesse 11.6+: both categories
            codes = self.model("reason_codes", "NOT_READY") + self.model("reason_codes", "LOGOUT")
        else:
            codes = self.model("reason_codes", category)
        return Response(200, X.reason_codes(codes, category))

    def get_wrap_up_reasons(self, req: "Request") -> Response:
        self._self_or_supervisor(req, req.params["uid"])
        return Response(200, X.wrap_up_reasons(self.model("wrap_up_reasons")))

    def get_user_queues(self, req: "Request") -> Response:
        uid = req.params["uid"]
        self._self_or_supervisor(req, uid)
        return Response(200, X.queues(self.model("queues_for", uid), self.cluster.flavour))

    def get_phonebooks(self, req: "Request") -> Response:
        uid = req.params["uid"]
        self._self_or_supervisor(req, uid)
        return self._ranged(req, self.model("phonebooks_for", uid), X.phonebooks)

    # -- Dialogs ----------------------------------------------------------------------------
    def get_dialogs(self, req: "Request") -> Response:
        uid = req.params["uid"]
        self._self_or_supervisor(req, uid)
        return Response(200, X.dialogs(self.model("get_dialogs", uid), self.cluster.flavour))

    def post_dialog(self, req: "Request") -> Response:
        uid = req.params["uid"]
        self._self_only(req, uid)
        root = X.parse_body(req.body(), "Dialog")
        action = X.text(root, "requestedAction")
        if not action:
            raise _fail(400, "Parameter Missing", "requestedAction Parameter missing", "requestedAction")
        if action not in POST_ACTIONS:
            raise _fail(400, "Invalid Input", "Invalid requestedAction specified", action)
        from_address = X.text(root, "fromAddress")
        to_address = X.text(root, "toAddress")
        if not from_address:
            raise _fail(400, "Parameter Missing", "fromAddress Parameter missing", "fromAddress")
        if not to_address:
            raise _fail(400, "Parameter Missing", "toAddress Parameter missing", "toAddress")
        if from_address != req.user.extension:
            raise _fail(400, "Invalid Input", "fromAddress is not the user's extension", from_address)
        if action == "MAKE_CALL":
            call_variables, _wrap = X.parse_call_variables(root.find("mediaProperties"))
            self.model("make_call", uid, to_address, call_variables=call_variables, request_id=req.request_id)
        else:
            assoc = X.text(root, "associatedDialogUri")
            if action == "BARGE_CALL" and not assoc:
                raise _fail(400, "Parameter Missing", "associatedDialogUri Parameter missing",
                            "associatedDialogUri")
            self.model("supervisor_call", uid, action, to_address,
                       associated_dialog_id=X.dialog_id_from_uri(assoc) if assoc else None,
                       request_id=req.request_id)
        return self.accepted()

    def get_dialog(self, req: "Request") -> Response:
        dialog = self.model("get_dialog", req.params["did"], req.user.login_id)
        return Response(200, X.dialog(dialog, self.cluster.flavour))

    def put_dialog(self, req: "Request") -> Response:
        did = req.params["did"]
        root = X.parse_body(req.body(), "Dialog")
        action = X.text(root, "requestedAction")
        if not action:
            raise _fail(400, "Parameter Missing", "requestedAction Parameter missing", "requestedAction")
        if action not in DIALOG_ACTIONS:
            raise _fail(400, "Invalid Input", "Invalid requestedAction specified", action)
        uid = req.user.login_id
        if action == "UPDATE_CALL_DATA":
            call_variables, wrap = X.parse_call_variables(root.find("mediaProperties"))
            if call_variables is None and wrap is None:
                raise _fail(400, "Parameter Missing", "mediaProperties Parameter missing", "mediaProperties")
            self.model("update_call_data", uid, did, call_variables=call_variables, wrap_up_reason=wrap,
                       request_id=req.request_id)
            return self.accepted()
        target = X.text(root, "targetMediaAddress")
        if action in NEEDS_TARGET and not target:
            raise _fail(400, "Parameter Missing", "targetMediaAddress Parameter missing", "targetMediaAddress")
        to_address = X.text(root, "toAddress")
        if action in ("CONSULT_CALL", "TRANSFER_SST") and not to_address:
            raise _fail(400, "Parameter Missing", "toAddress Parameter missing", "toAddress")
        params = X.parse_action_params(root)
        self.cluster.call_acknowledged(self.node, uid, did, "dialog_action", uid, did, action,
                                       target_media_address=target or None, to_address=to_address or None,
                                       action_params=params or None, request_id=req.request_id)
        return self.accepted()

    # -- Team, Queue ---------------------------------------------------------------------------
    def get_team(self, req: "Request") -> Response:
        tid = req.params["tid"]
        include = (req.query("includeLoggedOutAgents") or "true").lower()
        if include not in ("true", "false"):
            raise _fail(400, "Invalid Input", "includeLoggedOutAgents must be true or false",
                        "includeLoggedOutAgents")
        team = self.model("team", tid, include_logged_out=(include == "true"))  # 404 first
        if not self._supervises(req.user, tid):
            raise _fail(401, "Invalid Supervisor", "The user does not supervise this team", tid)
        return Response(200, X.team(team, include == "true"))

    def get_queue(self, req: "Request") -> Response:
        return Response(200, X.queue(self.model("queue", req.params["qid"]), self.cluster.flavour))

    # -- phone books -------------------------------------------------------------------------------
    def get_team_phonebooks(self, req: "Request") -> Response:
        tid = req.params["tid"]
        books = self.model("team_phonebooks", tid)
        team_id = req.user.team.id if req.user.team else ""
        if team_id != tid and not self._supervises(req.user, tid):
            raise _fail(401, "Invalid Authorization User Specified", "The user is not in this team", tid)
        return self._ranged(req, books, X.phonebooks)

    def get_contacts(self, req: "Request") -> Response:
        pid = req.params["pid"]
        items = self.model("contacts", pid)
        return self._ranged(req, items, lambda sel: X.contacts(pid, sel))

    def _ranged(self, req: "Request", items: list, render: Callable[[list], str]) -> Response:
        """``Range: objects=a-b`` (1-based, inclusive, within 1-6000): 206 with the
        slice and ``Content-Range``; no header: 200 with everything. With
        ``cluster.range_page_limit`` set, a 206 holds at most that many objects (a real
        server may answer a range with fewer objects than asked: clients must follow
        ``Content-Range``)."""
        header = req.environ.get("HTTP_RANGE")
        if header is None:
            return Response(200, render(items))
        m = re.fullmatch(r"\s*objects\s*=\s*(\d+)\s*-\s*(\d+)\s*", header)
        if not m:
            raise _fail(416, "Invalid Input", "Range must be objects=<first>-<last>", header)
        first, last = int(m.group(1)), int(m.group(2))
        if first < 1 or last > MAX_RANGE or first > last:
            raise _fail(416, "Invalid Input", f"Range must be within 1-{MAX_RANGE}", header)
        limit = getattr(self.cluster, "range_page_limit", None)
        if limit:
            last = min(last, first - 1 + limit)
        selected = items[first - 1:last]
        end = first - 1 + len(selected)
        content_range = f"objects {first}-{end}/{len(items)}" if selected else f"objects */{len(items)}"
        return Response(206, render(selected), [("Content-Range", content_range)])


class Request:
    __slots__ = ("environ", "params", "user", "_query", "_body")

    def __init__(self, environ, params: dict):
        self.environ = environ
        self.params = params
        self.user: Optional[User] = None
        self._query = None
        self._body = None

    @property
    def request_id(self) -> str:
        return (self.environ.get("HTTP_REQUESTID") or "").strip()

    def query(self, name: str) -> Optional[str]:
        if self._query is None:
            self._query = parse_qs(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)
        values = self._query.get(name)
        return values[0] if values else None

    def body(self) -> bytes:
        if self._body is None:
            try:
                length = int(self.environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise BadRequest("Bad Request", "Invalid Content-Length") from None
            if length > X.MAX_BODY:
                raise BadRequest("Bad Request", "Request body too large")
            stream = self.environ["wsgi.input"]
            self._body = stream.read(length) if length else stream.read(X.MAX_BODY + 1)
        return self._body
