"""hr_system.text: folding for search and the key of official Vietnamese name order,
table-tested without a database."""

from __future__ import annotations

import unicodedata

import pytest

from hr_system.text import collation_key, fold, name_sort_key


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Nguyễn Văn Bình", "nguyen van binh"),
        ("NGUYỄN", "nguyen"),
        ("  Nguyen   Van\tBinh ", "nguyen van binh"),
        ("Đinh Thị Ánh", "dinh thi anh"),
        ("đinh", "dinh"),
        ("Ðinh", "dinh"),  # Icelandic eth, typed for Đ by legacy keyboards
        ("Ơn Ưng Ăn Ân Êm Ôm", "on ung an an em om"),
        ("Lò Văn Ạ Ả Ã", "lo van a a a"),
        ("Ｎｇｕｙｅｎ", "nguyen"),  # full-width letters
        (unicodedata.normalize("NFD", "Trần Thị Hương"), "tran thi huong"),  # decomposed input
        ("Lê-Văn O'Neil 2", "le-van o'neil 2"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_fold_is_what_people_type(typed, folded):
    assert fold(typed) == folded


def test_precomposed_and_decomposed_names_fold_and_sort_alike():
    composed = "Nguyễn Thị Thủy"
    decomposed = unicodedata.normalize("NFD", composed)
    assert fold(composed) == fold(decomposed)
    assert name_sort_key(composed) == name_sort_key(decomposed)


def by_name(names: list[str]) -> list[str]:
    return sorted(names, key=name_sort_key)


@pytest.mark.parametrize(
    "ordered",
    [
        # Given name first, then family and middle names.
        ["Trần Văn An", "Nguyễn Thị Bình"],
        ["Nguyễn Văn An", "Trần Văn An"],
        # The tone breaks ties between the same letters: level, grave, hook, tilde, acute, dot.
        ["Lò Văn A", "Lò Văn À", "Lò Văn Ả", "Lò Văn Ã", "Lò Văn Á", "Lò Văn Ạ"],
        # ă, â, đ, ê, ô, ơ, ư are letters of their own, after a, d, e, o, u.
        ["Lê Văn An", "Lê Văn Anh", "Lê Văn Ăn", "Lê Văn Ân", "Lê Văn Bảo"],
        ["Hà Văn Dũng", "Hà Văn Đức", "Hà Văn Em", "Hà Văn Ê"],
        ["Lò Thị Oanh", "Lò Thị Ôn", "Lò Thị Ơn", "Lò Thị Uyên", "Lò Thị Ưng", "Lò Thị Yến"],
        # A shorter word comes before any longer word it begins, whatever the tones.
        ["Lò Văn Án", "Lò Văn Anh"],
        ["Cầm An", "Lò An", "Lò Văn An"],
        # The tone belongs to its syllable: every "An" before every "Án", whoever the family.
        ["Vi Văn An", "Âu Văn Án"],
        # Case does not matter.
        ["nguyễn văn an", "NGUYỄN VĂN BÌNH"],
        # Digits before letters; punctuation is not a letter.
        ["Lò Văn 2", "Lò Văn A"],
        ["Lê Thị Hoa", "Lê-Thị Hoa Mai"],
    ],
)
def test_official_name_order(ordered):
    assert by_name(list(reversed(ordered))) == ordered
    assert by_name(ordered) == ordered


def test_same_name_whatever_its_case_or_spacing_has_the_same_key():
    assert name_sort_key("Nguyễn  Văn An") == name_sort_key("NGUYỄN VĂN AN") == name_sort_key(" nguyễn văn an ")


def test_the_given_name_leads_the_key():
    assert name_sort_key("Trần Văn An").startswith(collation_key(["An"]))


def test_empty_or_unsortable_names_have_an_empty_key_and_sort_first():
    assert name_sort_key("") == name_sort_key("   ") == name_sort_key("--") == ""
    assert by_name(["Lò Văn A", ""]) == ["", "Lò Văn A"]


def test_the_key_is_digits_only_and_fits_the_column():
    # Digits: every collation (bytes, SQLite's BINARY, PostgreSQL's C, en_US or ICU)
    # orders strings of digits as Python does, so the database cannot reorder the list.
    for name in ["Nguyễn Thị Phương Thảo", "Đặng Hoàng Ưng Ước Ỷ", "Lò Văn 2", "Lê-Văn O'Neil", "Lò Văn Ω"]:
        assert name_sort_key(name).isdigit(), name
    assert len(name_sort_key("Nguyễn " * 60 + "An")) <= 255


def test_letters_of_other_scripts_sort_after_vietnamese_ones():
    assert by_name(["Lò Văn Ω", "Lò Văn Z"]) == ["Lò Văn Z", "Lò Văn Ω"]


def test_dictionary_order_goes_syllable_by_syllable():
    # As the Vietnamese dictionary lists "ba", "ba ba", then "bà", "bà con".
    words = [["bà", "con"], ["ba", "ba"], ["bà"], ["ba"]]
    assert sorted(words, key=collation_key) == [["ba"], ["ba", "ba"], ["bà"], ["bà", "con"]]
