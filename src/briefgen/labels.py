"""Words the outputs print themselves, by language, and dates written out for readers."""
from __future__ import annotations

import datetime as dt
import re

_EN = {
    "memorandum": "Memorandum", "to": "To", "from": "From", "date": "Date", "subject": "Subject",
    "bottom_line": "Bottom line", "sources": "Sources", "page": "Page", "of": "of",
    "draft": "DRAFT", "key_points": "Key points", "recommendations": "Recommendations",
    "cont": "cont.", "and": "and", "et_al": "et al.",
    # Quotation marks: outer open and close, inner open and close.
    "quotes": ("“", "”", "‘", "’"),
    "months": ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"],
}
_LABELS = {
    "en": _EN,
    "es": {**_EN, "memorandum": "Memorándum", "to": "Para", "from": "De", "date": "Fecha",
           "subject": "Asunto", "bottom_line": "En resumen", "sources": "Fuentes", "page": "Página",
           "of": "de", "draft": "BORRADOR", "key_points": "Puntos clave", "cont": "cont.",
           "recommendations": "Recomendaciones",
           "and": "y", "quotes": ("«", "»", "“", "”"),
           "months": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                      "septiembre", "octubre", "noviembre", "diciembre"]},
    "fr": {**_EN, "memorandum": "Note", "to": "À", "from": "De", "date": "Date", "subject": "Objet",
           "bottom_line": "L’essentiel", "sources": "Sources", "page": "Page", "of": "sur",
           "draft": "BROUILLON", "key_points": "Points clés", "cont": "suite",
           "recommendations": "Recommandations",
           "and": "et", "quotes": ("«\u00a0", "\u00a0»", "“", "”"),
           "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                      "septembre", "octobre", "novembre", "décembre"]},
    "de": {**_EN, "memorandum": "Vermerk", "to": "An", "from": "Von", "date": "Datum",
           "subject": "Betreff", "bottom_line": "Kernaussage", "sources": "Quellen", "page": "Seite",
           "of": "von", "draft": "ENTWURF", "key_points": "Kernpunkte", "cont": "Forts.",
           "recommendations": "Empfehlungen",
           "and": "und", "quotes": ("„", "“", "‚", "‘"),
           "months": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                      "September", "Oktober", "November", "Dezember"]},
}


def primary_language(lang: str) -> str:
    """A BCP-47 tag's language without its region or script: 'de-AT' -> 'de'."""
    return lang.split("-")[0].lower()


def has_labels(lang: str) -> bool:
    return primary_language(lang) in _LABELS


def labels_for(lang: str) -> dict:
    """Labels for a BCP-47 tag by its primary language; English where we have no translation."""
    return _LABELS.get(primary_language(lang), _EN)


def format_date(value: str | dt.date | None, lang: str = "en") -> str:
    """2020-11-03 -> November 3, 2020; 2017-02 -> February 2017; anything else as written."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    months = labels_for(lang)["months"]
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return text
    year, month = m.group(1), months[int(m.group(2)) - 1]
    primary = primary_language(lang)
    if m.group(3) is None:
        return f"{month} de {year}" if primary == "es" else f"{month} {year}"
    day = int(m.group(3))
    if primary == "en":
        return f"{month} {day}, {year}"
    if primary == "es":
        return f"{day} de {month} de {year}"
    if primary == "de":
        return f"{day}. {month} {year}"
    if primary == "fr" and day == 1:
        return f"1er {month} {year}"  # the first of the month is an ordinal in French
    return f"{day} {month} {year}"


# Double quotation marks of any language, with the space French sets inside « ».
_DOUBLE_QUOTES = re.compile(r'«[\s\u00a0\u202f]*|[\s\u00a0\u202f]*»|["“”„]')


def quoted(text: str, lang: str) -> str:
    """text in the language's quotation marks. Double quotes inside text become the inner
    marks: opening ones where they follow a space or start the text, closing ones elsewhere."""
    op, cl, inner_op, inner_cl = labels_for(lang)["quotes"]

    def inner(m: re.Match) -> str:
        mark, at = m.group(0).strip(), m.start()
        if mark in "«»":
            return inner_op if mark == "«" else inner_cl
        return inner_op if at == 0 or text[at - 1].isspace() or text[at - 1] in "([{" else inner_cl

    text = _DOUBLE_QUOTES.sub(inner, text)
    return f"{op}{text}{cl}"
