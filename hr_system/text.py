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
# Tone marks, dictionary order: level, grave (huyền), hook (hỏi), tilde (ngã),
# acute (sắc), dot below (nặng).
TONES = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# The letter-forming marks: breve (ă), circumflex (â ê ô), horn (ơ ư).
LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


def fold(text: str) -> str:
    """Lower case, without tone or letter marks, đ as d, spaces squeezed:
    "NGUYỄN  Văn Bình" → "nguyen van binh". What search compares on both sides."""
    decomposed = unicodedata.normalize("NFD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("đ", "d").replace("Đ", "D")
    return " ".join(plain.lower().split())


def _letters(word: str) -> list[tuple[str, int]]:
    """Each base letter of a word (with its letter marks) and the word's tone."""
    out: list[tuple[str, int]] = []
    tone = 0
    for cluster in _clusters(word.lower()):
        base, marks = cluster[0], cluster[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in LETTER_MARKS))
        for m in marks:
            if m in TONES:
                tone = TONES[m]
        out.append((letter, 0))
    if out:
        out[-1] = (out[-1][0], tone)
    return out


def _clusters(word: str) -> list[str]:
    clusters: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def _word_key(word: str) -> tuple[str, str]:
    primary, tones = [], []
    for letter, tone in _letters(word):
        pos = ALPHABET.find(letter)
        primary.append(chr(0x41 + pos) if pos >= 0 else letter)
        tones.append(str(tone))
    return "".join(primary), "".join(tones)


def collation_key(words: list[str]) -> str:
    """A string whose plain (binary) order is the Vietnamese dictionary order of `words`:
    letters first, tones only break ties, as in the dictionary."""
    keys = [_word_key(w) for w in words]
    primary = " ".join(k[0] for k in keys)
    secondary = "".join(k[1] for k in keys)
    return f"{primary}~{secondary}"


def name_sort_key(full_name: str) -> str:
    """Official Vietnamese lists sort people by given name (the last word), then by
    family and middle names: "Trần Văn An" comes before "Nguyễn Thị Bình"."""
    words = (full_name or "").split()
    if not words:
        return ""
    return collation_key([words[-1], *words[:-1]])[:255]
