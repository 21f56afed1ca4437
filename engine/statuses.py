"""The settlement's status machine (spec §7), as data.

Every front end (ribbon, CLI, worksheet functions) must refuse the same actions with the same
words, so the rule lives here once: which action is allowed in which status, where it leads, and
why it is refused. A refusal is a ``Problem`` in the transition record, never an exception, so
the caller can show it in a cell, a message box or on stderr alike.

Staleness is decided by fingerprints, not by status: a result carries the fingerprint of the
input it came from, and anything that would *use* the result (lock, invoice-ready, letters,
invoice basis) compares it with the current input's fingerprint (``check_fresh``). Status alone
cannot tell, because editing an input in *Beregnet* keeps the status but makes the result stale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from engine.lookalikes import normalize
from engine.model import ContractObject, InvoiceStatus, Status
from engine.problems import Problem

WHERE = "status"


class Action(StrEnum):
    """What a user can do to a settlement. The values are stable identifiers for callers."""

    CALCULATE = "calculate"
    LOCK = "lock"
    INVOICE_READY = "invoice_ready"
    DO_NOT_INVOICE = "do_not_invoice"  # the whole settlement: "skal ikke faktureres"
    EDIT_INPUTS = "edit_inputs"  # any change of an input value; keeps the status


STATUS_LABELS: Mapping[Status, str] = MappingProxyType(
    {
        Status.LAGT_OPP: "Lagt opp",
        Status.BEREGNET: "Beregnet",
        Status.LAAST: "Låst",
        Status.FAKTURAKLAR: "Fakturaklar",
        Status.SKAL_IKKE_FAKTURERES: "Skal ikke faktureres",
    }
)

INVOICE_STATUS_LABELS: Mapping[InvoiceStatus, str] = MappingProxyType(
    {
        InvoiceStatus.READY: "Faktureres",
        InvoiceStatus.BELOW_MINIMUM: "Under minstebeløp",
        InvoiceStatus.DO_NOT_INVOICE: "Skal ikke faktureres",
        InvoiceStatus.NOTHING_TO_INVOICE: "Ingenting å fakturere",
    }
)

ACTION_LABELS: Mapping[Action, str] = MappingProxyType(
    {
        Action.CALCULATE: "Beregn",
        Action.LOCK: "Lås",
        Action.INVOICE_READY: "Fakturaklar",
        Action.DO_NOT_INVOICE: "Skal ikke faktureres",
        Action.EDIT_INPUTS: "Endre inndata",
    }
)

# Spec §7's table, plus EDIT_INPUTS where §7 lets inputs change (Lagt opp, Beregnet).
ALLOWED: Mapping[Status, frozenset[Action]] = MappingProxyType(
    {
        Status.LAGT_OPP: frozenset({Action.CALCULATE, Action.EDIT_INPUTS}),
        Status.BEREGNET: frozenset(
            {
                Action.CALCULATE,
                Action.LOCK,
                Action.INVOICE_READY,
                Action.DO_NOT_INVOICE,
                Action.EDIT_INPUTS,
            }
        ),
        Status.LAAST: frozenset({Action.CALCULATE, Action.INVOICE_READY, Action.DO_NOT_INVOICE}),
        Status.FAKTURAKLAR: frozenset({Action.CALCULATE, Action.DO_NOT_INVOICE}),
        Status.SKAL_IKKE_FAKTURERES: frozenset({Action.CALCULATE}),
    }
)

_TARGETS: Mapping[Action, Status] = MappingProxyType(
    {
        Action.CALCULATE: Status.BEREGNET,
        Action.LOCK: Status.LAAST,
        Action.INVOICE_READY: Status.FAKTURAKLAR,
        Action.DO_NOT_INVOICE: Status.SKAL_IKKE_FAKTURERES,
    }
)

# Actions whose meaning depends on the numbers of the result: they must not act on stale ones.
USES_RESULT: frozenset[Action] = frozenset({Action.LOCK, Action.INVOICE_READY})

# What the user was trying to do, as the end of "… før du ___".
_DOING: Mapping[Action, str] = MappingProxyType(
    {
        Action.CALCULATE: "beregner",
        Action.LOCK: "låser",
        Action.INVOICE_READY: "merker den Fakturaklar",
        Action.DO_NOT_INVOICE: "merker den Skal ikke faktureres",
        Action.EDIT_INPUTS: "endrer inndata",
    }
)

STALE_MESSAGE = "Resultatet er utdatert: inndata er endret siden beregningen. Beregn på nytt."
NO_RESULT_MESSAGE = "Avregningen har ikke noe resultat ennå. Beregn først."


@dataclass(frozen=True, slots=True)
class Transition:
    """The outcome of one action: the status afterwards, or the reason it was refused.

    ``status`` is always the status to show afterwards (unchanged when refused), so a caller can
    store it without branching; ``problem`` says why it did not move.
    """

    before: Status
    action: Action
    status: Status
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def changed(self) -> bool:
        return self.status is not self.before


def label(status: Status) -> str:
    """The Norwegian name an accountant sees (``Status.LAAST`` → "Låst")."""
    return STATUS_LABELS[status]


def status_from_text(text: str) -> Status | None:
    """Read a status typed or shown either way ("Låst", "laast", " fakturaklar "); else None."""
    wanted = text.strip().casefold()
    for status, name in STATUS_LABELS.items():
        if wanted in (status.value, name.casefold()):
            return status
    return None


def allowed_actions(status: Status) -> frozenset[Action]:
    return ALLOWED[status]


def can_edit_inputs(status: Status) -> bool:
    """Inputs may change only before the settlement is reviewed (spec §7: Lagt opp, Beregnet)."""
    return Action.EDIT_INPUTS in ALLOWED[status]


def target_status(status: Status, action: Action) -> Status:
    """Where an allowed action leads; editing inputs keeps the status (the result goes stale)."""
    return _TARGETS.get(action, status)


def check_fresh(input_fingerprint: str | None, result_fingerprint: str | None) -> Problem | None:
    """Refuse to use a result that was not calculated from the current input.

    For lock, invoice-ready, letters and invoice basis. An unknown input fingerprint cannot
    prove the result current, so it is treated as stale rather than trusted.
    """
    if result_fingerprint is None:
        return Problem(WHERE, NO_RESULT_MESSAGE)
    if input_fingerprint is None or input_fingerprint != result_fingerprint:
        return Problem(WHERE, STALE_MESSAGE)
    return None


def apply(
    status: Status,
    action: Action,
    *,
    input_fingerprint: str | None = None,
    result_fingerprint: str | None = None,
    exported_objects: Sequence[str] = (),
) -> Transition:
    """Try ``action`` on a settlement in ``status``; the refusal, if any, is in the record.

    ``exported_objects`` are the ids of contract objects already exported in an invoice basis:
    they are frozen, so recalculating (and declaring the settlement not to be invoiced, which
    would contradict invoices already sent) is refused naming them.
    """
    problem = _refusal(status, action, input_fingerprint, result_fingerprint, exported_objects)
    if problem is not None:
        return Transition(status, action, status, problem)
    return Transition(status, action, target_status(status, action))


def _refusal(
    status: Status,
    action: Action,
    input_fingerprint: str | None,
    result_fingerprint: str | None,
    exported_objects: Sequence[str],
) -> Problem | None:
    if action not in ALLOWED[status]:
        return Problem(WHERE, _not_allowed_message(status, action))
    exported = exported_refusal(action, exported_objects)
    if exported is not None:
        return exported
    if action in USES_RESULT:
        return check_fresh(input_fingerprint, result_fingerprint)
    return None


EXPORTED_FIX = "rett med en korreksjon i en senere avregning"

# The actions an exported (invoiced, frozen) object forbids, as the start of the refusal.
_FROZEN_BY_EXPORT: Mapping[Action, str] = MappingProxyType(
    {
        Action.CALCULATE: "Kan ikke beregne på nytt",
        Action.DO_NOT_INVOICE: "Kan ikke merke avregningen Skal ikke faktureres",
    }
)


def exported_refusal(action: Action, exported_objects: Sequence[str]) -> Problem | None:
    """The one refusal of an action that would change objects already exported in an invoice
    basis (spec §7: they are frozen); None when ``action`` is not stopped by them."""
    exported = _unique(exported_objects)
    if not exported or action not in _FROZEN_BY_EXPORT:
        return None
    return Problem(WHERE, f"{_FROZEN_BY_EXPORT[action]}: {_objects_phrase(exported)} "
                          f"eksportert i et fakturagrunnlag og kan ikke endres; {EXPORTED_FIX}.")


def exported_object_problem(where: str, object_id: str, batch: str) -> Problem:
    """One exported object, at its own cell or JSON path (``contract_objects[i].exported``):
    the same words wherever a front end names the object itself."""
    return Problem(where, f"Kontraktsobjekt {object_id} er eksportert i et fakturagrunnlag "
                          f"(bunt {batch}) og kan ikke endres; {EXPORTED_FIX}.")


def exported_problems(objects: Iterable[tuple[int, ContractObject]]) -> list[Problem]:
    """Every exported object among ``(index, object)``, each at ``contract_objects[i].exported``
    (what a calculation of the input reports)."""
    return [exported_object_problem(f"contract_objects[{i}].exported", o.id, o.exported)
            for i, o in objects if o.exported]


# How accountants write the actions (the command line's HANDLING): after case, spaces and
# underscores are set aside, each spelling once. ``lås`` and ``laas`` alike: not every keyboard
# or shell has å.
ACTION_WORDS: Mapping[str, Action] = MappingProxyType(
    {
        "lås": Action.LOCK,
        "låst": Action.LOCK,
        "laas": Action.LOCK,
        "laast": Action.LOCK,
        "fakturaklar": Action.INVOICE_READY,
        "skal-ikke-faktureres": Action.DO_NOT_INVOICE,
        "ny-beregning": Action.CALCULATE,
        "nyberegning": Action.CALCULATE,
    }
)
# The spellings help texts offer (one per action).
ACTION_CHOICES: tuple[str, ...] = ("lås", "fakturaklar", "skal-ikke-faktureres", "ny-beregning")


def action_from_text(text: str) -> Action | None:
    """``Lås``, ``laast``, ``Skal ikke faktureres``, ``skal_ikke_faktureres``,
    ``ny–beregning`` (with an en dash) …; None for anything else."""
    folded = unicodedata.normalize("NFC", normalize(text)).casefold()
    key = "-".join(part for part in re.split(r"[\s_\-]+", folded) if part)
    return ACTION_WORDS.get(key)


def _not_allowed_message(status: Status, action: Action) -> str:
    name = STATUS_LABELS[status]
    if status is Status.LAGT_OPP:
        return f"Avregningen er {name} og ikke beregnet; beregn først."
    back = "låse opp" if status is Status.LAAST else "gå tilbake til Beregnet"
    if _TARGETS.get(action) is status:
        return f"Avregningen er allerede {name}; beregn på nytt for å {back} om den skal endres."
    return f"Avregningen er {name}; beregn på nytt for å {back} før du {_DOING[action]}."


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _objects_phrase(ids: Sequence[str]) -> str:
    if len(ids) == 1:
        return f"kontraktsobjekt {ids[0]} er"
    return f"kontraktsobjektene {', '.join(ids[:-1])} og {ids[-1]} er"
