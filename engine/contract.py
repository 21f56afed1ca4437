"""The JSON contract of ``avregn calc`` (``spec/settlement-file.md``), by its old name.

Reading lives in ``engine.contract_in`` (a settlement file → ``SettlementInput``), writing in
``engine.contract_out`` (a result or an input → the contract's dict) and, for the result file
itself, ``engine.result_json.dumps`` (bytes, fast). This module keeps the names callers import.
"""

from __future__ import annotations

from engine.contract_in import FIELD_LABELS, MAX_NUMBER, load_json, parse_settlement
from engine.contract_out import input_to_json, result_to_json

__all__ = ["FIELD_LABELS", "MAX_NUMBER", "input_to_json", "load_json", "parse_settlement",
           "result_to_json"]
