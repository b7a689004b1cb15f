"""The site option reason_codes_required: a state change into a listed state without
a reason code is a synchronous 400 Parameter Missing (reasonCodeId), model unchanged."""
from __future__ import annotations

import dataclasses

import pytest

from gc_sim.model import CCError, ContactCenter, default_site


@pytest.mark.parametrize("flavour", ["UCCE", "UCCX"])
def test_reason_code_required(flavour):
    site = dataclasses.replace(default_site(), reason_codes_required=("NOT_READY",))
    cc = ContactCenter(site, flavour=flavour)
    cc.change_state("1001", "LOGIN", extension="1001")
    cc.change_state("1001", "READY")
    with pytest.raises(CCError) as exc:
        cc.change_state("1001", "NOT_READY")
    assert (exc.value.status, exc.value.error_type, exc.value.error_data) == (400, "Parameter Missing", "reasonCodeId")
    assert cc.get_user("1001").state == "READY"
    cc.change_state("1001", "NOT_READY", reason_code_id="8")
    assert (cc.get_user("1001").state, cc.get_user("1001").reason_code.label) == ("NOT_READY", "Break")
    # a supervisor's forced NOT_READY carries its own code and is not refused
    cc.change_state("1001", "READY")
    cc.change_state("1001", "NOT_READY", actor_id="1100")
    assert cc.get_user("1001").state == "NOT_READY"
