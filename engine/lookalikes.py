"""Characters that look like the ones the user meant, and the nearest known ids.

An id typed as ``1005–1`` (en dash) or an account pasted with a non-breaking space looks
exactly like ``1005-1`` on screen, yet is "not found". Word processors, e-mail and PDF copies
put such characters in silently, so every place that looks up an id or an account the user
typed (the command line, the workbook reader, the validation of exceptions, the worksheet
functions) names the character rather than just saying "not found", and suggests the nearest
known ids. Pure: no I/O, usable by the engine and by every front end.

    >>> describe("1005–1")
    'inneholder en tankestrek (–) der du trolig mente bindestrek (-)'
    >>> suggest("2006", ["1001-1", "2006-1", "3001-1"])
    ['2006-1']
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lookalike:
    """One suspicious character: what it is called and what was probably meant
    (``meant`` empty: an invisible character that should go)."""

    char: str
    name: str  # with its article: "en tankestrek"
    meant: str
    meant_name: str  # "bindestrek"; "" when the character should simply be removed

    @property
    def shown(self) -> str:
        """The character as a reader can see it: itself, or its code point when invisible."""
        if self.char.isspace() or not self.char.isprintable() or self.meant == "":
            return f"U+{ord(self.char):04X}"
        return self.char


def _dash(char: str, name: str) -> Lookalike:
    return Lookalike(char, name, "-", "bindestrek")


def _space(char: str, name: str) -> Lookalike:
    return Lookalike(char, name, " ", "vanlig mellomrom")


def _invisible(char: str, name: str) -> Lookalike:
    return Lookalike(char, name, "", "")


LOOKALIKES: dict[str, Lookalike] = {
    item.char: item
    for item in (
        _dash("\u2010", "en typografisk bindestrek"),
        _dash("\u2011", "en hard bindestrek"),
        _dash("\u2012", "en siffertankestrek"),
        _dash("\u2013", "en tankestrek"),
        _dash("\u2014", "en lang tankestrek"),
        _dash("\u2015", "en vannrett strek"),
        _dash("\u2212", "et minustegn"),
        _dash("\ufe63", "en liten bindestrek"),
        _dash("\uff0d", "en bindestrek i full bredde"),
        _space("\u00a0", "et hardt mellomrom"),
        _space("\u2007", "et siffermellomrom"),
        _space("\u2009", "et smalt mellomrom"),
        _space("\u202f", "et smalt hardt mellomrom"),
        _space("\u3000", "et mellomrom i full bredde"),
        _invisible("\u00ad", "en myk bindestrek (usynlig)"),
        _invisible("\u200b", "et usynlig mellomrom (nullbredde)"),
        _invisible("\u200c", "et usynlig skilletegn (nullbredde)"),
        _invisible("\u200d", "et usynlig bindetegn (nullbredde)"),
        _invisible("\u2060", "et usynlig ordbindetegn"),
        _invisible("\ufeff", "et usynlig BOM-tegn"),
        Lookalike("\u2018", "et typografisk anførselstegn", "'", "apostrof"),
        Lookalike("\u2019", "et typografisk anførselstegn", "'", "apostrof"),
        # Cyrillic and Greek capitals that are drawn exactly like Latin ones.
        *(Lookalike(pair[0], f"en {script} {pair[1]}", pair[1], f"latinsk {pair[1]}")
          for script, pairs in (("kyrillisk", "АA ВB ЕE КK МM НH ОO РP СC ТT ХX аa еe оo рp сc хx"),
                                ("gresk", "ΑA ΒB ΕE ΚK ΜM ΝN ΟO ΡP ΤT ΧX ΥY ΖZ ΙI"))
          for pair in pairs.split()),
    )
}


def _fullwidth(char: str) -> Lookalike | None:
    """Full-width digits and letters (``１２３``, from East Asian input methods)."""
    if "\uff01" <= char <= "\uff5e":
        meant = unicodedata.normalize("NFKC", char)
        kind = "et siffer" if meant.isdigit() else "et tegn"
        return Lookalike(char, f"{kind} i full bredde", meant, f"vanlig {meant}")
    return None


def find(text: str) -> list[Lookalike]:
    """The suspicious characters in ``text``, each once, in order of appearance."""
    seen: dict[str, Lookalike] = {}
    for char in text:
        if char in seen:
            continue
        found = LOOKALIKES.get(char) or _fullwidth(char)
        if found is not None:
            seen[char] = found
    return list(seen.values())


def normalize(text: str) -> str:
    """``text`` with every look-alike replaced by what was meant (invisible ones removed)."""
    if text.isascii():
        return text
    out = []
    for char in text:
        found = LOOKALIKES.get(char) or _fullwidth(char)
        out.append(found.meant if found is not None else char)
    return "".join(out)


def describe(text: str) -> str | None:
    """``inneholder en tankestrek (–) der du trolig mente bindestrek (-)``, or None when
    ``text`` holds no look-alike. Several are joined with «og»."""
    parts = []
    items = find(text)
    wide = [item for item in items if "\uff01" <= item.char <= "\uff5e"]
    if wide:
        chars = "".join(c for c in text if "\uff01" <= c <= "\uff5e")
        parts.append(f"tegn i full bredde ({chars}) der du trolig mente vanlige tegn "
                     f"({normalize(chars)})")
    for item in items:
        if item in wide:
            continue
        if item.meant == "":
            parts.append(f"{item.name}, {item.shown}, som bør fjernes")
        elif item.meant == " ":
            parts.append(f"{item.name} ({item.shown}) der du trolig mente {item.meant_name}")
        else:
            parts.append(f"{item.name} ({item.shown}) der du trolig mente {item.meant_name} "
                         f"({item.meant})")
    if not parts:
        return None
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]
    return f"inneholder {joined}"


def _key(text: str) -> str:
    return " ".join(normalize(text).split()).casefold()


def suggest(wanted: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """The known ids nearest to ``wanted``, the first kind that finds any: the same once
    look-alikes, case and spacing are set aside; ids that begin with it (``2006`` →
    ``2006-1``); close spellings (``1OO5-1`` → ``1005-1``)."""
    choices = sorted(set(known) - {wanted})  # sorted: the same answer every run
    key = _key(wanted)
    if not key:
        return []
    keyed = {choice: _key(choice) for choice in choices}
    same = [c for c in choices if keyed[c] == key]
    if same:
        return same[:limit]
    prefix = [c for c in choices if keyed[c].startswith(key)]
    if prefix:
        return prefix[:limit]
    by_key: dict[str, list[str]] = {}
    for choice, k in keyed.items():
        by_key.setdefault(k, []).append(choice)
    close = [c for k in difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)
             for c in by_key[k]]
    return close[:limit]


def or_list(items: Sequence[str]) -> str:
    """``a``, ``a eller b``, ``a, b eller c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " eller " + items[-1]


def hint(wanted: str, known: Iterable[str]) -> str:
    """What to add to a "not found" message: the look-alikes in ``wanted`` and the nearest
    known ids — ``«1005–1» inneholder en tankestrek (–) … ; mente du 1005-1?`` — or ""."""
    parts = []
    said = describe(wanted)
    if said:
        parts.append(f"«{wanted}» {said}")
    nearest = suggest(wanted, known)
    for candidate in nearest:
        about = describe(candidate)
        if about and _key(candidate) == _key(wanted):
            parts.append(f"«{candidate}» {about}")
    if nearest:
        parts.append(f"mente du {or_list(nearest)}?")
    return "; ".join(parts)


def with_hint(message: str, wanted: str, known: Iterable[str]) -> str:
    """``message`` (ending in a full stop) followed by ``hint``'s sentence, if any."""
    extra = hint(wanted, known)
    if not extra:
        return message
    return f"{message.rstrip('.')}: {extra}"
