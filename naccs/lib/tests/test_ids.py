import pytest

from naccs.lib.ids import MAX_ID, parse_id


@pytest.mark.parametrize("typed, expected", [("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), (7, 7)])
def test_it_reads_a_positive_64_bit_id_of_ascii_digits(typed, expected):
    assert parse_id(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "²",
        "١٢",
        "１２",
        "𝟙",
        "Ⅻ",
        "",
        " 1",
        "1 ",
        "+1",
        "-1",
        "0",
        "1.0",
        "1e3",
        str(MAX_ID + 1),
        "9" * 100,
        None,
        True,
    ],
)
def test_it_answers_none_for_anything_that_cannot_be_an_id(typed):
    assert parse_id(typed) is None
