"""A light, offline language guess for extracted paper text: stop-word counts and script detection.

Good enough to tell the languages a literature library usually holds (en, pt, es, fr, de, it, plus CJK, Cyrillic,
Greek and Arabic scripts) apart from a paragraph or two; it says None rather than guess on too little text.
"""

from __future__ import annotations

import re
import string

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)

# Frequent function words that are rare in the other listed languages.
_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in is that for with as are was this by on be from which an were these we".split()),
    "pt": frozenset("de da do das dos em uma para com não que os as por mais foram ao pela pelo entre são".split()),
    "es": frozenset("de la el los las en del que y por con para una se fue como entre más sobre son".split()),
    "fr": frozenset("le la les des du et est une dans pour que par sur avec sont pas au aux ces été".split()),
    "de": frozenset("der die das und ist nicht mit den von zu ein eine im für auf dem des sich wurde werden".split()),
    "it": frozenset("il di che la per una sono del della con non gli nel alla dei delle è anche".split()),
}


_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_RUN_RE = re.compile(r"[\x00-\x7f]+")


def _script_language(text: str) -> str | None:
    """The language implied by a non-Latin script when that script dominates the letters."""
    if text.isascii():
        return None  # Latin script only
    counts = {"ja": 0, "zh": 0, "ko": 0, "ru": 0, "el": 0, "ar": 0}
    ascii_text = text.encode("ascii", "ignore")
    letters = len(ascii_text) - len(ascii_text.translate(None, _ASCII_LETTERS))
    for char in _ASCII_RUN_RE.sub("", text):  # the other scripts' letters are not ASCII
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        if 0x3040 <= code <= 0x30FF:
            counts["ja"] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            counts["zh"] += 1
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            counts["ko"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["ru"] += 1
        elif 0x0370 <= code <= 0x03FF:
            counts["el"] += 1
        elif 0x0600 <= code <= 0x06FF:
            counts["ar"] += 1
    if not letters:
        return None
    if counts["ja"] and counts["ja"] + counts["zh"] > 0.3 * letters:
        return "ja"  # kana alongside kanji means Japanese
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0.3 * letters else None


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the main language of `text`, or None when there is too little to tell."""
    if not text:
        return None
    script = _script_language(text[:5000])
    if script:
        return script
    words = [word.casefold() for word in _WORD_RE.findall(text[:20000])]
    if len(words) < 8:
        return None
    scores = {lang: sum(1 for word in words if word in stop) for lang, stop in _STOP_WORDS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] < 3 or scores[best] < 0.04 * len(words):
        return None
    return best


# Short words that tell a title's language apart (titles are too short for the stop-word share above).
_SHORT_WORDS: dict[str, frozenset[str]] = {
    "en": _STOP_WORDS["en"] | frozenset("an and among with its their between into after during".split()),
    "pt": _STOP_WORDS["pt"] | frozenset("e na no nas nos aos à às um uma sobre entre".split()) - {"de", "as", "os"},
    "es": _STOP_WORDS["es"] | frozenset("y al un las los en el sobre contra".split()) - {"de", "la", "en"},
    "fr": _STOP_WORDS["fr"] | frozenset("et les une chez".split()) - {"la"},
    "de": _STOP_WORDS["de"] | frozenset("und bei zur zum über".split()),
    "it": _STOP_WORDS["it"] | frozenset("e nella negli".split()) - {"la", "di"},
}
_SHORT_HINTS: dict[str, re.Pattern[str]] = {
    "pt": re.compile(r"ção|ções|ões|ão\b|ãe|nh|lh", re.IGNORECASE),
    "es": re.compile(r"ción|ñ|\bdel\b", re.IGNORECASE),
    "de": re.compile(r"ß|ä|ö|ü|ung\b", re.IGNORECASE),
    "fr": re.compile(r"è|ê|\bdes\b|\bdu\b|tion\b(?=.*\bdes?\b)", re.IGNORECASE),
}


def guess_short_language(text: str | None) -> str | None:
    """The language of a short text such as a title (ISO 639-1), or None when the words do not tell.

    Counts language-specific short words and spelling hints; one language must lead clearly.
    """
    if not text:
        return None
    script = _script_language(text)
    if script:
        return script
    words = [word.casefold() for word in _WORD_RE.findall(text)]
    if len(words) < 3:
        return None
    scores = {lang: sum(1 for word in words if word in short) for lang, short in _SHORT_WORDS.items()}
    for lang, hint in _SHORT_HINTS.items():
        scores[lang] += 2 * min(2, len(hint.findall(text)))
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.__getitem__)
    if ranked[0] < 1 or ranked[0] - ranked[1] < 1:
        return None
    return best
