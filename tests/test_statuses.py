"""The status machine of spec §7: allowed actions, targets, refusals and stale results."""

from __future__ import annotations

import pytest

from engine.model import InvoiceStatus, Status
from engine.statuses import (
    ALLOWED,
    INVOICE_STATUS_LABELS,
    STALE_MESSAGE,
    STATUS_LABELS,
    Action,
    Transition,
    allowed_actions,
    apply,
    can_edit_inputs,
    check_fresh,
    label,
    status_from_text,
    target_status,
)

FP = "a" * 64
OTHER_FP = "b" * 64

# Spec §7's table, written out again so that a change to the module's table shows up here.
SPEC_TABLE = {
    Status.LAGT_OPP: {Action.CALCULATE},
    Status.BEREGNET: {Action.CALCULATE, Action.LOCK, Action.INVOICE_READY, Action.DO_NOT_INVOICE},
    Status.LAAST: {Action.CALCULATE, Action.INVOICE_READY, Action.DO_NOT_INVOICE},
    Status.FAKTURAKLAR: {Action.CALCULATE, Action.DO_NOT_INVOICE},
    Status.SKAL_IKKE_FAKTURERES: {Action.CALCULATE},
}

TARGETS = {
    Action.CALCULATE: Status.BEREGNET,
    Action.LOCK: Status.LAAST,
    Action.INVOICE_READY: Status.FAKTURAKLAR,
    Action.DO_NOT_INVOICE: Status.SKAL_IKKE_FAKTURERES,
}


def fresh(status: Status, action: Action) -> Transition:
    return apply(status, action, input_fingerprint=FP, result_fingerprint=FP)


def test_allowed_actions_are_the_spec_table() -> None:
    for status, actions in SPEC_TABLE.items():
        assert allowed_actions(status) - {Action.EDIT_INPUTS} == actions
    assert set(ALLOWED) == set(Status)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(TARGETS))
def test_every_status_action_pair(status: Status, action: Action) -> None:
    t = fresh(status, action)
    assert t.before is status and t.action is action
    if action in SPEC_TABLE[status]:
        assert t.ok and t.problem is None
        assert t.status is TARGETS[action]
    else:
        assert not t.ok and not t.changed
        assert t.status is status
        assert t.problem is not None and t.problem.where == "status"
        # The refusal names the current status and says what to do.
        assert STATUS_LABELS[status] in t.problem.message
        assert "beregn" in t.problem.message.lower()


def test_calculate_from_every_status_gives_beregnet() -> None:
    # Låst unlocks, Fakturaklar and Skal ikke faktureres go back: all by recalculating.
    for status in Status:
        t = apply(status, Action.CALCULATE)
        assert t.ok and t.status is Status.BEREGNET


def test_calculate_needs_no_result() -> None:
    assert apply(Status.LAGT_OPP, Action.CALCULATE).status is Status.BEREGNET


def test_transitions_of_the_spec_walk() -> None:
    status = Status.LAGT_OPP
    for action, expected in [
        (Action.CALCULATE, Status.BEREGNET),
        (Action.CALCULATE, Status.BEREGNET),
        (Action.LOCK, Status.LAAST),
        (Action.INVOICE_READY, Status.FAKTURAKLAR),
        (Action.DO_NOT_INVOICE, Status.SKAL_IKKE_FAKTURERES),
        (Action.CALCULATE, Status.BEREGNET),
        (Action.DO_NOT_INVOICE, Status.SKAL_IKKE_FAKTURERES),
    ]:
        t = fresh(status, action)
        assert t.ok, t.problem
        assert t.status is expected
        status = t.status


def test_lagt_opp_refusal_says_calculate_first() -> None:
    t = fresh(Status.LAGT_OPP, Action.LOCK)
    assert t.problem is not None
    assert t.problem.message == "Avregningen er Lagt opp og ikke beregnet; beregn først."


def test_refusal_messages() -> None:
    cases = {
        (Status.FAKTURAKLAR, Action.LOCK): (
            "Avregningen er Fakturaklar; beregn på nytt for å gå tilbake til Beregnet før du låser."
        ),
        (Status.SKAL_IKKE_FAKTURERES, Action.INVOICE_READY): (
            "Avregningen er Skal ikke faktureres; beregn på nytt for å gå tilbake til "
            "Beregnet før du merker den Fakturaklar."
        ),
        (Status.LAAST, Action.LOCK): (
            "Avregningen er allerede Låst; beregn på nytt for å låse opp om den skal endres."
        ),
        (Status.FAKTURAKLAR, Action.INVOICE_READY): (
            "Avregningen er allerede Fakturaklar; beregn på nytt for å gå tilbake til "
            "Beregnet om den skal endres."
        ),
    }
    for (status, action), message in cases.items():
        problem = fresh(status, action).problem
        assert problem is not None
        assert problem.message == message


def test_edit_inputs_only_in_lagt_opp_and_beregnet() -> None:
    assert [s for s in Status if can_edit_inputs(s)] == [Status.LAGT_OPP, Status.BEREGNET]
    for status in (Status.LAGT_OPP, Status.BEREGNET):
        t = apply(status, Action.EDIT_INPUTS)
        assert t.ok and t.status is status  # editing keeps the status; the result goes stale
    t = apply(Status.LAAST, Action.EDIT_INPUTS)
    assert t.problem is not None
    assert t.problem.message == (
        "Avregningen er Låst; beregn på nytt for å låse opp før du endrer inndata."
    )
    t = apply(Status.FAKTURAKLAR, Action.EDIT_INPUTS)
    assert t.problem is not None
    assert "Fakturaklar" in t.problem.message and "endrer inndata" in t.problem.message


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.BEREGNET, Action.LOCK),
        (Status.BEREGNET, Action.INVOICE_READY),
        (Status.LAAST, Action.INVOICE_READY),
    ],
)
def test_actions_using_results_refuse_stale_or_missing_results(
    status: Status, action: Action
) -> None:
    stale = apply(status, action, input_fingerprint=FP, result_fingerprint=OTHER_FP)
    assert stale.problem is not None and stale.status is status
    assert stale.problem.message == STALE_MESSAGE
    assert stale.problem.where == "status"

    missing = apply(status, action, input_fingerprint=FP, result_fingerprint=None)
    assert missing.problem is not None and missing.status is status
    assert "Beregn" in missing.problem.message

    unknown_input = apply(status, action, input_fingerprint=None, result_fingerprint=FP)
    assert unknown_input.problem is not None

    assert fresh(status, action).ok


def test_do_not_invoice_and_calculate_do_not_need_a_fresh_result() -> None:
    stale = {"input_fingerprint": FP, "result_fingerprint": OTHER_FP}
    assert apply(Status.BEREGNET, Action.DO_NOT_INVOICE, **stale).ok
    assert apply(Status.LAAST, Action.CALCULATE, **stale).ok


def test_check_fresh() -> None:
    assert check_fresh(FP, FP) is None
    stale = check_fresh(FP, OTHER_FP)
    assert stale is not None
    assert stale.message == (
        "Resultatet er utdatert: inndata er endret siden beregningen. Beregn på nytt."
    )
    assert check_fresh(FP, None) is not None
    assert check_fresh(None, FP) is not None


def test_recalculating_with_exported_objects_is_refused_naming_them() -> None:
    for status in Status:
        t = apply(status, Action.CALCULATE, exported_objects=["1001-1", "1002-1", "1001-1"])
        assert not t.ok and t.status is status
        assert t.problem is not None
        message = t.problem.message
        assert "1001-1" in message and "1002-1" in message
        assert message.count("1001-1") == 1
        assert "rett med en korreksjon i en senere avregning" in message


def test_one_exported_object_is_named_in_singular() -> None:
    t = apply(Status.FAKTURAKLAR, Action.CALCULATE, exported_objects=["7-1"])
    assert t.problem is not None
    assert "kontraktsobjekt 7-1 er eksportert" in t.problem.message


def test_not_to_invoice_after_export_is_refused() -> None:
    t = apply(Status.FAKTURAKLAR, Action.DO_NOT_INVOICE, exported_objects=["1001-1"])
    assert t.problem is not None and "1001-1" in t.problem.message
    assert apply(Status.FAKTURAKLAR, Action.DO_NOT_INVOICE).ok


def test_labels() -> None:
    assert [STATUS_LABELS[s] for s in Status] == [
        "Lagt opp",
        "Beregnet",
        "Låst",
        "Fakturaklar",
        "Skal ikke faktureres",
    ]
    assert label(Status.LAAST) == "Låst"
    assert INVOICE_STATUS_LABELS == {
        InvoiceStatus.READY: "Faktureres",
        InvoiceStatus.BELOW_MINIMUM: "Under minstebeløp",
        InvoiceStatus.DO_NOT_INVOICE: "Skal ikke faktureres",
        InvoiceStatus.NOTHING_TO_INVOICE: "Ingenting å fakturere",
    }


def test_status_from_text() -> None:
    for status in Status:
        assert status_from_text(status.value) is status
        assert status_from_text(f"  {STATUS_LABELS[status].upper()} ") is status
    assert status_from_text("eksportert") is None


def test_target_status() -> None:
    for action, target in TARGETS.items():
        assert target_status(Status.BEREGNET, action) is target
    assert target_status(Status.LAGT_OPP, Action.EDIT_INPUTS) is Status.LAGT_OPP


def test_transition_is_immutable() -> None:
    t = apply(Status.LAGT_OPP, Action.CALCULATE)
    with pytest.raises(AttributeError):
        t.status = Status.LAAST  # type: ignore[misc]
