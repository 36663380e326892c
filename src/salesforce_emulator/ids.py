"""Salesforce record ids: 15-character case-sensitive ids and their 18-character form.

The 18-character form appends a checksum that encodes which of the first 15
characters are upper case, so the id survives case-insensitive systems. Salesforce
accepts either form as input and always answers with the 18-character one.
"""

from __future__ import annotations

import string

_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_BASE36 = string.digits + string.ascii_uppercase
_ID_CHARS = set(string.ascii_letters + string.digits)

# Two characters that stand for the pod/instance in real ids; fixed for this org.
_INSTANCE = "Q0"


def checksum_suffix(id15: str) -> str:
    """The three checksum characters Salesforce appends to a 15-character id."""
    suffix = []
    for chunk_start in range(0, 15, 5):
        bits = 0
        for position, char in enumerate(id15[chunk_start : chunk_start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix.append(_SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def to_18(id15: str) -> str:
    return id15 + checksum_suffix(id15)


def make_id(key_prefix: str, sequence: int) -> str:
    """An 18-character id for the ``sequence``-th record of an object.

    The counter uses digits and upper-case letters only, so ids sort in creation
    order whether compared case-sensitively or not.
    """
    counter = ""
    value = sequence
    while value:
        value, digit = divmod(value, 36)
        counter = _BASE36[digit] + counter
    body = counter.rjust(8, "0")
    if len(body) > 8:
        raise ValueError("id space exhausted")
    return to_18(f"{key_prefix}{_INSTANCE}00{body}")


def canonical_id(value: str) -> str | None:
    """The 18-character id that ``value`` denotes, or None when it is not a well-formed id.

    A 15-character id is case-sensitive; an 18-character id may arrive in any case
    because its suffix says which letters are upper case.
    """
    if len(value) not in (15, 18) or not set(value) <= _ID_CHARS:
        return None
    if len(value) == 15:
        return to_18(value)
    suffix = value[15:].upper()
    if any(char not in _SUFFIX_ALPHABET for char in suffix):
        return None
    restored = []
    for chunk_index, suffix_char in enumerate(suffix):
        bits = _SUFFIX_ALPHABET.index(suffix_char)
        chunk = value[chunk_index * 5 : chunk_index * 5 + 5]
        for position, char in enumerate(chunk):
            upper = bool(bits & (1 << position))
            if upper and not char.isalpha():
                return None
            restored.append(char.upper() if upper else char.lower())
    id15 = "".join(restored)
    return to_18(id15) if checksum_suffix(id15) == suffix else None
