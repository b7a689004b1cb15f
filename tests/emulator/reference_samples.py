"""XML samples copied from /work/shared/reference/finesse-api.md: what the emulator's
output is compared against (every element path of a sample must appear in ours,
except the ones a sample shows only in some situations)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

USER = """<User>
  <uri>/finesse/api/User/1001001</uri>
  <roles><role>Agent</role><role>Supervisor</role></roles>
  <loginId>1001001</loginId><loginName>csmith</loginName>
  <state>NOT_READY</state><stateChangeTime>2012-03-01T17:58:21.234Z</stateChangeTime>
  <pendingState></pendingState>
  <reasonCodeId>16</reasonCodeId>
  <ReasonCode><category>NOT_READY</category><uri>/finesse/api/ReasonCode/16</uri><code>10</code>
    <label>Team Meeting</label><forAll>true</forAll><id>16</id></ReasonCode>
  <settings><wrapUpOnIncoming>OPTIONAL</wrapUpOnIncoming><wrapUpOnOutgoing>NOT_ALLOWED</wrapUpOnOutgoing></settings>
  <extension>1001001</extension>
  <mobileAgent><mode>CALL_BY_CALL</mode><dialNumber>4085551234</dialNumber></mobileAgent>
  <firstName>Chris</firstName><lastName>Smith</lastName>
  <teamId>500</teamId><teamName>Sales</teamName>
  <dialogs>/finesse/api/User/1001001/Dialogs</dialogs>
  <teams><Team><uri>/finesse/api/Team/2001</uri><id>2001</id><name>First Line Support</name></Team></teams>
</User>"""
USER_OPTIONAL = {"ReasonCode", "mobileAgent", "teams"}  # reason set / mobile agent / supervisor

REASON_CODES = """<ReasonCodes category="NOT_READY">
  <ReasonCode><uri>/finesse/api/ReasonCode/1</uri><category>NOT_READY</category><code>12</code>
    <label>Lunch</label><forAll>true</forAll></ReasonCode></ReasonCodes>"""

WRAP_UP_REASONS = ("<WrapUpReasons><WrapUpReason><uri>/finesse/api/WrapUpReason/205</uri><label>Product Question</label>"
                   "<forAll>true</forAll></WrapUpReason></WrapUpReasons>")

DIALOG = """<Dialog>
 <associatedDialogUri>/finesse/api/Dialog/321654</associatedDialogUri><id>12345678</id>
 <secondaryId>12345679</secondaryId><mediaType>Voice</mediaType>
 <fromAddress>2002</fromAddress><toAddress>2000</toAddress>
 <mediaProperties><dialedNumber>2000</dialedNumber><callType>AGENT_INSIDE</callType><DNIS>2000</DNIS>
  <queueNumber>5022</queueNumber><queueName>Sales.SG</queueName>
  <wrapUpReason>Sales Call</wrapUpReason>
  <callvariables><CallVariable><name>callVariable1</name><value>Chuck Smith</value></CallVariable></callvariables>
 </mediaProperties>
 <participants><Participant><actions><action>HOLD</action><action>DROP</action></actions>
  <mediaAddress>2002</mediaAddress><mediaAddressType>AGENT_DEVICE</mediaAddressType>
  <startTime>2014-02-11T16:10:23.121Z</startTime><state>ACTIVE</state><stateCause></stateCause>
  <stateChangeTime>2014-02-11T16:10:23.121Z</stateChangeTime></Participant></participants>
 <state>ACTIVE</state><uri>/finesse/api/Dialog/12345678</uri>
 <scheduledCallbackInfo><callbackTime>2014-03-07T14:30</callbackTime><callbackNumber>9785551212</callbackNumber></scheduledCallbackInfo>
</Dialog>"""
DIALOG_OPTIONAL = {"scheduledCallbackInfo", "mediaProperties/callvariables/CallVariable",
                   "participants/Participant/actions/action"}

TEAM = ("<Team><uri/><id>34</id><name>My Team</name><users><User><loginId/><firstName/><lastName/><extension/>"
        "<pendingState/><state/><reasonCode></reasonCode><stateChangeTime/></User></users></Team>")

QUEUE_UCCE_FIELDS = ("callsInQueue", "startTimeOfLongestCallInQueue", "agentsReady", "agentsNotReady",
                     "agentsBusyOther", "agentsLoggedOn", "agentsTalkingInbound", "agentsTalkingOutbound",
                     "agentsTalkingInternal", "agentsWrapUpNotReady", "agentsWrapUpReady")
# The spec's GetQueueInfo sample for UCCX (the reference points to it).
QUEUE_UCCX_SNAPSHOT = ("WaitingCalls", "AgentsLoggedIn", "AgentsReady", "AgentsNotReady", "AgentsInAfterCallWork",
                       "AgentsTalking", "AgentsReserved")
QUEUE_UCCX_SINCE_MIDNIGHT = ("WaitingCalls", "AbandonedCalls", "HandledCalls", "TotalCalls", "LongestCallInQueue",
                             "LongestHandleTime")

PHONEBOOK = ("<PhoneBook><uri>/finesse/api/PhoneBook/1</uri><name/><type>GLOBAL</type>"
             "<contacts>/finesse/api/PhoneBook/1/Contacts</contacts></PhoneBook>")
CONTACTS = ("<Contacts><Contact><firstName/><lastName/><phoneNumber/><description/>"
            "<uri>/finesse/api/PhoneBook/1/Contact/1</uri></Contact></Contacts>")

SYSTEM_INFO = """<SystemInfo><deploymentType>UCCE</deploymentType>
 <primaryNode><host/><httpsPort/><xmppPort/></primaryNode><secondaryNode><host/></secondaryNode>
 <status>IN_SERVICE</status><statusReason/><systemAuthMode>NON_SSO</systemAuthMode>
 <timezoneOffset/><uri>/finesse/api/SystemInfo</uri>
 <xmppDomain>finesse.example.com</xmppDomain><xmppPubSubDomain>pubsub.finesse.example.com</xmppPubSubDomain></SystemInfo>"""

API_ERRORS = ("<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType><ErrorData></ErrorData>"
              "<ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage></ApiError></ApiErrors>")

ASYNC_ERROR = """<Update><data><apiErrors><apiError><errorData>34</errorData><errorMessage>CF_RESOURCE_OUT_OF_SERVICE</errorMessage>
 <errorType>Call Operation Failure</errorType></apiError></apiErrors></data>
 <event>PUT</event><requestId>abc</requestId><source>/finesse/api/Dialog/12345</source></Update>"""

UPDATE = ("<Update><data><dialogs><Dialog></Dialog></dialogs></data><event>POST</event><requestId></requestId>"
          "<source>/finesse/api/User/215194/Dialogs</source></Update>")


def paths(el: ET.Element, prefix: str = "") -> set[str]:
    """Every element path below ``el`` ("a/b/c"), without the root's own tag."""
    out = set()
    for child in el:
        p = f"{prefix}{child.tag}"
        out.add(p)
        out |= paths(child, p + "/")
    return out


def missing_paths(sample: str, ours: ET.Element | str, optional: set = frozenset()) -> set[str]:
    """Paths of ``sample`` absent from ``ours`` (optional ones and everything under them excused)."""
    s = ET.fromstring(sample)
    o = ET.fromstring(ours) if isinstance(ours, str) else ours
    assert s.tag.lower() == o.tag.lower(), (s.tag, o.tag)
    missing = paths(s) - paths(o)
    return {m for m in missing if not any(m == opt or m.startswith(opt + "/") for opt in optional)}
