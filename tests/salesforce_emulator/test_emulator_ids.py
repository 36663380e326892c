from __future__ import annotations

from salesforce_emulator.ids import canonical_id, make_id, to_18


def test_checksum_matches_salesforce_for_a_known_id() -> None:
    # Chunk "Gv7qJ" has upper case at positions 0 and 4: 0b10001 = 17 = "R".
    assert to_18("0015000000Gv7qJ") == "0015000000Gv7qJAAR"


def test_an_18_character_id_in_any_case_resolves_to_the_real_id() -> None:
    assert canonical_id("0015000000GV7QJAAR") == "0015000000Gv7qJAAR"
    assert canonical_id("0015000000gv7qjaar") == "0015000000Gv7qJAAR"


def test_a_15_character_id_gets_its_suffix() -> None:
    assert canonical_id("0015000000Gv7qJ") == "0015000000Gv7qJAAR"


def test_malformed_ids_are_refused() -> None:
    assert canonical_id("not-an-id") is None
    assert canonical_id("0015000000Gv7qJAA9") is None
    assert canonical_id("0015000000Gv7qJ!!!") is None


def test_generated_ids_have_the_key_prefix_and_sort_in_creation_order() -> None:
    ids = [make_id("500", n) for n in (1, 35, 36, 1000, 99999)]
    assert all(i.startswith("500") and len(i) == 18 for i in ids)
    assert ids == sorted(ids) == sorted(ids, key=str.lower)
    assert all(canonical_id(i) == i for i in ids)
