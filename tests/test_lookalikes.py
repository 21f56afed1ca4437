"""Look-alike characters and the nearest known ids (``engine.lookalikes``; issue 10 item 6):
an id that looks right but holds an en dash, a non-breaking space or an invisible character is
named as such, wherever an id or an account typed by the user is looked up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.lookalikes import LOOKALIKES, describe, find, hint, normalize, suggest, with_hint
from engine.validation import validate_adjustments

IDS = ["1001-1", "1002-1", "1003-1", "2006-1", "2006-2", "A-7"]


@pytest.mark.parametrize(("text", "named"), [
    ("1005\u20131", "en tankestrek (–) der du trolig mente bindestrek (-)"),
    ("1005\u20141", "en lang tankestrek (—) der du trolig mente bindestrek (-)"),
    ("1005\u22121", "et minustegn (−) der du trolig mente bindestrek (-)"),
    ("1005\u20111", "en hard bindestrek"),
    ("6300\u00a01", "et hardt mellomrom (U+00A0) der du trolig mente vanlig mellomrom"),
    ("6300\u202f1", "et smalt hardt mellomrom (U+202F)"),
    ("1005\u200b-1", "et usynlig mellomrom (nullbredde), U+200B, som bør fjernes"),
    ("1005\u00ad-1", "en myk bindestrek (usynlig), U+00AD, som bør fjernes"),
    ("\ufeff1005-1", "et usynlig BOM-tegn, U+FEFF"),
    ("\u0410-7", "en kyrillisk A (А) der du trolig mente latinsk A (A)"),
    ("１００５-1", "tegn i full bredde (１００５) der du trolig mente vanlige tegn (1005)"),
])
def test_each_lookalike_is_named(text: str, named: str) -> None:
    said = describe(text)
    assert said is not None and said.startswith("inneholder ")
    assert named in said


def test_several_are_joined_and_each_named_once() -> None:
    said = describe("1\u20132\u20133\u00a04")
    assert said == ("inneholder en tankestrek (–) der du trolig mente bindestrek (-) og et "
                    "hardt mellomrom (U+00A0) der du trolig mente vanlig mellomrom")


def test_normalize_gives_what_was_meant() -> None:
    assert normalize("1005\u20131") == "1005-1"
    assert normalize("1005\u200b-\u00ad1") == "1005-1"
    assert normalize("６３００") == "6300"
    assert normalize("\u0410-7") == "A-7"


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_plain_ascii_is_never_suspicious(text: str) -> None:
    assert find(text) == [] and describe(text) is None and normalize(text) == text


@given(st.text(alphabet=st.sampled_from(["1", "-", "A", *LOOKALIKES]), max_size=12))
def test_normalized_text_holds_no_lookalike(text: str) -> None:
    assert find(normalize(text)) == []


def test_suggestions() -> None:
    assert suggest("2006", IDS) == ["2006-1", "2006-2"]  # a prefix
    assert suggest("1003\u20131", IDS) == ["1003-1"]  # the same once the dash is set aside
    assert suggest("a-7", IDS) == ["A-7"]  # case
    assert suggest("1OO3-1", IDS)[0] == "1003-1"  # letter O for zero
    assert suggest("9999-9", IDS) == []
    assert suggest("", IDS) == []
    assert suggest("1003-1", ["1003\u22121"]) == ["1003\u22121"]  # the look-alike is Brøk's


def test_hint_and_with_hint() -> None:
    assert hint("2006", IDS) == "mente du 2006-1 eller 2006-2?"
    assert hint("1003\u20131", IDS) == ("«1003–1» inneholder en tankestrek (–) der du trolig "
                                       "mente bindestrek (-); mente du 1003-1?")
    assert hint("1003-1", ["1003\u22121"]).startswith("«1003−1» inneholder et minustegn")
    assert hint("zzz", IDS) == ""
    assert with_hint("Fant ikke «zzz».", "zzz", IDS) == "Fant ikke «zzz»."
    assert with_hint("Fant ikke «2006».", "2006", IDS) == ("Fant ikke «2006»: mente du 2006-1 "
                                                          "eller 2006-2?")


def test_validation_names_lookalikes_in_exceptions() -> None:
    """Kontraktsobjekt konti naming an object or an account with a look-alike character."""
    from decimal import Decimal

    from engine.model import Adjustment

    adjustment = Adjustment(object_id="1003\u20131", account="6300\u00a0", share_pct=Decimal(100))
    problems = validate_adjustments([(0, adjustment)], IDS, ["6300", "6400"])
    messages = {p.where: p.message for p in problems}
    assert "tankestrek" in messages["adjustments[0].object"]
    assert "mente du 1003-1?" in messages["adjustments[0].object"]
    assert "hardt mellomrom" in messages["adjustments[0].account"]
    assert "mente du 6300?" in messages["adjustments[0].account"]
