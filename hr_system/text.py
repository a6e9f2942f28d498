"""Vietnamese text the way people type and the way official lists sort it.

Pure functions, no Django: the folded and sort-key columns stored on people, units and
questions are computed here, so the database (SQLite or PostgreSQL, with or without the
`unaccent` extension) only ever compares plain ASCII.
"""

from __future__ import annotations

import unicodedata

# The Vietnamese alphabet in dictionary order. ă, â, đ, ê, ô, ơ, ư are letters of their
# own (TCVN 5712 / the order of every Vietnamese dictionary), not accented a, d, e, o, u.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
# Tone marks, dictionary order: level (no mark, 0), grave (huyền), hook (hỏi),
# tilde (ngã), acute (sắc), dot below (nặng).
TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# The letter-forming marks: breve (ă), circumflex (â ê ô), horn (ơ ư).
LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# Đ and its look-alikes: legacy Vietnamese fonts and keyboards often type the Icelandic
# eth (Ð/ð) or the African D (Ɖ/ɖ) for đ; none of them decomposes to a plain d.
_D_LIKE = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ɖ": "d", "Ɖ": "d"})


def fold(text: str) -> str:
    """Lower case, without tone or letter marks, đ as d, spaces squeezed:
    "NGUYỄN  Văn Bình" → "nguyen van binh". What search compares on both sides."""
    # NFKC first: full-width letters and compatibility forms (from some input methods
    # and PDFs) become ordinary ones before the marks are taken off.
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text or "").translate(_D_LIKE))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.lower().split())


def _clusters(word: str) -> list[str]:
    """A base character followed by its combining marks, for each character of `word`."""
    clusters: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def _word_key(word: str) -> str:
    """The word as digits: two per letter ("10"–"19" for the digits 0–9, "20"–"52" for
    the 33 letters of the alphabet in order, "99" for a letter of another script), then
    "0" to end the word and the tone (0–5).

    "0" is below the first digit of every letter, so a word comes before any longer
    word it begins ("an" < "anh"), and the tone, a property of the syllable, only
    breaks ties between the same letters: "an" < "àn" < "án" < "anh" < "ăn".
    Punctuation inside a name (hyphens, dots, apostrophes) is not a letter: left out.
    """
    letters, tone = [], 0
    for cluster in _clusters(word.lower()):
        base, marks = cluster[0], cluster[1:]
        tone = next((TONES[m] for m in marks if m in TONES), tone)
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in LETTER_MARKS))
        if base == "ð":
            letter = "đ"
        rank = _RANK.get(letter, _RANK.get(base))
        if rank is not None:
            letters.append(str(20 + rank))
        elif base in "0123456789":
            letters.append(f"1{base}")
        elif base.isalpha():
            letters.append("99")
    return f"{''.join(letters)}0{tone}" if letters else ""


def collation_key(words: list[str]) -> str:
    """A string of digits whose order is the Vietnamese dictionary order of the word
    sequence `words`: syllable by syllable, letters first and the tone breaking ties
    within the syllable, as dictionaries do ("ba", "ba ba", "bà", "bà con").

    Digits only, on purpose: every collation orders strings of digits the same way
    (byte order, SQLite's BINARY, PostgreSQL's "C", glibc's en_US, ICU), so neither the
    database's locale nor a reporting tool reading the column can reorder it.
    """
    return "".join(map(_word_key, words))


def name_sort_key(full_name: str) -> str:
    """Official Vietnamese lists sort people by given name (the last word), then by
    family and middle names: "Trần Văn An" comes before "Nguyễn Thị Bình"."""
    words = (full_name or "").split()
    if not words:
        return ""
    return collation_key([words[-1], *words[:-1]])[:255]
