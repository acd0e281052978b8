"""Parse and validate: the OCR text of one box becomes an ownershipDocument value.

Each box type has its own parser (``parse_value(text, kind)``). They undo what the EDGAR print
adds (MM/DD/YYYY dates, thousands separators, ``$``, superscript footnote marks, ``Name [ TICK ]``)
and tolerate the character confusions Tesseract makes in such boxes (listed in
``data/parse.json``). A value that cannot be trusted is kept as read and flagged (``ok`` False
plus a warning), never dropped: the reader marks it needs_review. ``validate`` then cross-checks
a whole document. Values stay strings exactly as printed (no float rounding).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from spellchecker import SpellChecker

from . import ownership

@dataclass
class Parsed:
    """One box's value. ``parts`` holds the elements a composite box fills (ticker, signature)."""

    value: str | None
    footnotes: list[str] = field(default_factory=list)
    ok: bool = True
    warning: str | None = None
    parts: dict[str, str | None] = field(default_factory=dict)


@lru_cache(maxsize=None)
def rules() -> dict[str, Any]:
    """Tolerated OCR confusions and element kinds (data file)."""
    return json.loads(resources.files("ocr").joinpath("data/parse.json").read_text())


@lru_cache(maxsize=None)
def choices() -> dict[str, frozenset[str]]:
    """The allowed one-letter values per element (SEC transaction codes, A/D, D/I)."""
    data = json.loads(resources.files("ocr").joinpath("data/transaction_codes.json").read_text())
    return {key: frozenset(val) for key, val in data.items() if not key.startswith("_")}


def canonical(text: str, kind: str) -> str:
    """A reading's parsed value as its lower-case letters and digits: two readings of a box
    agree when these do, whatever their spaces and punctuation."""
    return "".join(c for c in (parse_value(text, kind).value or "").lower() if c.isalnum())


def allowed_letters(kind: str) -> str:
    """The letters a one-letter box of ``kind`` may hold ("AD" for A/D), "" for other kinds."""
    name = rules()["choice_lists"].get(kind)
    return "".join(sorted(choices()[name])) if name else ""


def _normalize(text: str) -> str:
    """NFKC (superscript ⁽¹⁾ -> (1), ligatures, full-width forms), dashes and quotes, one space."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"—": "-", "–": "-", "‒": "-", "’": "'", "‘": "'", "“": '"', "”": '"'}))
    return " ".join(text.split())


def _strip_stray(text: str) -> str:
    """Drop marks that ruled lines and dust leave at the ends of a crop or as lone tokens.

    A box holding nothing but such a mark keeps it: it may be a misread letter ("|" for "I"),
    and the box's parser decides, so nothing read is lost silently.
    """
    marks = rules()["stray_marks"]
    tokens = [t for t in text.split() if t.strip(marks)]
    # a lone "," or "." between words is a speck ("Put Option , (Obligation")
    tokens = [t for i, t in enumerate(tokens) if i in (0, len(tokens) - 1) or t.strip(".,;:")]
    # at the ends, a token with no letter or digit is a speck read as "-", "+", "=" or "*"
    # (a lone bracket may close what the value opened, so it stays)
    while tokens and not any(c.isalnum() for c in tokens[-1]) and not _closes(tokens[-1], " ".join(tokens[:-1])):
        tokens.pop()
    while tokens and not any(c.isalnum() for c in tokens[0]) and tokens[0] not in "([$":
        tokens.pop(0)
    return " ".join(tokens).strip(marks + " ") or text


def _closes(token: str, before: str) -> bool:
    """Whether ``token`` is a bracket that closes one opened in ``before``."""
    return token in (")", "]") and {")": "(", "]": "["}[token] in before


def _digits(text: str) -> str:
    """Map letters OCR confuses with digits back to digits."""
    table = rules()["digit_confusions"]
    return "".join(table.get(c, c) for c in text)


_MARK = r"\(\s*([0-9lI|!iOo]{1,2})\s*\)?"
_TRAILING_MARKS = re.compile(r"(?:\s*,?\s*" + _MARK + r")+\s*$")


def take_footnotes(text: str) -> tuple[str, list[str], str | None]:
    """Split trailing footnote marks ("(1)", "(1)(2)", "(1), (2)", "(l)") off a value.

    Returns the value text, the footnote ids ("F1"...) and a warning when a mark is
    half-read (a lone parenthesis left at the end) or impossible (F0).
    """
    ids: list[str] = []
    warning = None
    match = _TRAILING_MARKS.search(text)
    if match:
        for raw in re.findall(_MARK, match.group(0)):
            number = int(_digits(raw))
            if number == 0:
                warning = f"footnote mark ({raw}) read as F0"
                continue
            if f"F{number}" not in ids:
                ids.append(f"F{number}")
        text = text[: match.start()].rstrip(" ,")
    if text.endswith(")") and text.count("(") < text.count(")") or text.endswith("("):
        warning = f"unreadable footnote mark at the end of {text!r}"
        text = text[:-1].rstrip()
    return text, ids, warning


def _flag(value: str | None, warning: str) -> Parsed:
    return Parsed(value, ok=False, warning=warning)


def _text(text: str) -> Parsed:
    """Free text. Specks a rough scan leaves in an empty box ("+", "a", "j 4") are no value:
    no name, address or title has no word of two letters or digits. They are flagged, and
    the JSON keeps them as read."""
    if text and not any(sum(c.isalnum() for c in word) >= 2 for word in text.split()):
        return _flag(None, f"only specks read: {text!r}")
    return Parsed(_tidy(text) or None)


# "P.O, Box", "6963 N, Boylston": an initial's period a fax blurred into a comma
_FAXED_INITIAL = re.compile(r"(?<![A-Za-z.])((?:[A-Za-z]\.)?[A-Z]),(?= [A-Z])")


_COMMA_AFTER = re.compile(r"\b(of|the|by|for|to|in|and|at|an|a)\s*,\s+", re.IGNORECASE)  # "member of, 13(d)": a speck


def _tidy(text: str) -> str:
    """A name, an address or a title never starts with a period, comma or quote, nor ends with
    a quote, colon or "!" (specks read beside it), nor with a short word in small letters after
    words in capitals, and never ends with a comma: after "Inc" or "Co" that is a faxed period,
    as it is after an initial ("P.O, Box"); no comma follows "of" or "the"."""
    text = text.lstrip(rules()["never_leading"]).rstrip(rules()["never_trailing"]) or text
    text = _FAXED_INITIAL.sub(r"\1.", text)
    text = _COMMA_AFTER.sub(r"\1 ", text)
    head, _, last = text.rpartition(" ")
    capitals = [w for w in head.split() if sum(c.isalpha() for c in w) >= 2]
    if (capitals and all(w.isupper() for w in capitals) and last.isalpha() and len(last) <= 3
            and not last.isupper() and last.lower() not in rules()["abbreviations"]):
        text = head  # "PLAZA i", "BELLEVUE Sie": specks read as a word after a line in capitals
    if text.endswith(","):
        head = text[:-1].rstrip()
        last = head.split()[-1].rstrip(".").lower() if head.split() else ""
        text = f"{head}." if last in rules()["abbreviations"] else head
    return text


def parse_date(text: str) -> tuple[str | None, str | None]:
    """MM/DD/YYYY (with OCR noise: 04/3O/2025, missing or misread slashes) -> (ISO, warning).

    An impossible date comes back as (None, reason).
    """
    compact = re.sub(r"\s*([/\\|.\-])\s*", r"\1", text.strip())
    # a fax loses the top and bottom of a 0, leaving its sides: "(6/28/2023", "()5/09/2024"
    compact = re.sub(r"(^|[/\\|.\-])[(\[{]\)?(?=\d)", r"\g<1>0", compact)
    parts = re.fullmatch(r"(\w{1,2})[/\\|.\-](\w{1,2})[/\\|.\-](\w{4})", compact)
    if parts:
        month, day, year = (_digits(p) for p in parts.groups())
    else:
        digits = re.sub(r"\D", "", _digits(compact))
        if len(digits) == 8:
            month, day, year = digits[:2], digits[2:4], digits[4:]
        elif len(digits) == 10 and digits[2] == digits[5] == "1":  # both slashes read as 1
            month, day, year = digits[:2], digits[3:5], digits[6:]
        else:
            return None, f"not a MM/DD/YYYY date: {text!r}"
    if not (month + day + year).isdigit():
        return None, f"not a MM/DD/YYYY date: {text!r}"
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None, f"impossible date: {text!r}"
    low, high = rules()["year_range"]
    if not low <= value.year <= high:
        return value.isoformat(), f"year {value.year} outside {low}-{high}"
    return value.isoformat(), None


def _date(text: str) -> Parsed:
    if not text:
        return Parsed(None)
    value, warning = parse_date(text)
    if value is None:
        embedded = re.search(r"\d{2}/\d{2}/\d{4}", text)  # a clean date beside specks read as text
        if embedded:
            value, _ = parse_date(embedded.group())
            return _flag(value, f"date read among other marks: {text!r}") if value else _flag(text, warning)
        return _flag(text, warning)
    return Parsed(value, ok=warning is None, warning=warning)


_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")  # no group of thousands follows a lone 0
_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_DOT_AT_THOUSANDS = re.compile(r"[1-9]\d{0,2}\.\d{3}")  # "757.756": a fraction, or a misread thousands comma


def as_thousands(value: str) -> str | None:
    """A share amount whose dot stands where a thousands comma does ("82.036"), as that
    whole number ("82036"); None for any other value."""
    return value.replace(".", "") if _DOT_AT_THOUSANDS.fullmatch(value) else None
_SPACED_CENTS = re.compile(r"(?<=\d) (?=\d\d$)")  # "$180 28": a fax's lost decimal point read as a gap


def _decimal(text: str, *, shares: bool) -> Parsed | None:
    """A printed number as a plain decimal string; separators checked against the print format.

    In a shares column a dot with exactly three digits after it and no comma ("757.756") is
    what a misread thousands comma looks like: kept as read, flagged. None: not a number.
    """
    if not shares and "." not in text and _SPACED_CENTS.search(text):
        parsed = _decimal(_SPACED_CENTS.sub(".", text), shares=False)
        return parsed and _flag(parsed.value, f"a gap where a decimal point goes in {text!r}")
    compact = re.sub(r"\s+", "", text)
    if re.search(r"\d[.,]+$", compact):  # the print never ends a number so: a speck, or a digit lost after it
        parsed = _decimal(compact.rstrip(".,"), shares=shares)
        return parsed and _flag(parsed.value, f"a separator after the last digit in {compact!r}")
    mapped = "".join(c if c in "0123456789,." else _digits(c) for c in compact)
    if not re.fullmatch(r"[0-9.,]*\d[0-9.,]*", mapped):
        return None
    if not shares and re.fullmatch(r"0\d+", mapped):  # the print sets a 0 before a digit only as "0.": "$0.29" read "$029"
        return Parsed("0." + mapped[1:])
    if _GROUPED.fullmatch(mapped) or _PLAIN.fullmatch(mapped):
        value = mapped.replace(",", "")
        if shares and _DOT_AT_THOUSANDS.fullmatch(mapped):
            return _flag(value, f"dot at a thousands position in {mapped!r} (fraction, or {mapped.replace('.', ',')}?)")
        return Parsed(value)
    # Separators where the print never puts them: best guess, flagged. A last separator
    # followed by other than three digits, or after nothing but a 0, can only be the
    # decimal point ("31,300,4717", "$0,308" for $0.308 on a fax).
    head, sep, tail = mapped.rpartition(",") if mapped.rfind(",") > mapped.rfind(".") else mapped.rpartition(".")
    if sep and tail and (len(tail) != 3 or not head.strip("0")):
        guess = head.replace(",", "").replace(".", "") + "." + tail
    else:
        guess = mapped.replace(",", "") if mapped.count(".") <= 1 else mapped.replace(",", "").replace(".", "")
    return _flag(guess.strip("."), f"separators at unexpected places in {mapped!r}")


def _number(text: str) -> Parsed:
    if not text:
        return Parsed(None)
    return _decimal(text, shares=True) or _flag(text, f"not a number: {text!r}")


def _price(text: str) -> Parsed:
    if not text:
        return Parsed(None)
    body = re.sub(r"^[Ss$]\s*(?=[\dOo.])", "$", text)
    parsed = _decimal(body.removeprefix("$"), shares=False)
    if parsed is None:
        return _flag(text, f"not a price: {text!r}")
    if parsed.ok and not body.startswith("$"):
        return _flag(parsed.value, f"no $ before the price {text!r}: a leading digit may be a misread $")
    return parsed


def _unconfused(text: str, kind: str) -> str:
    """``text`` with the characters OCR confuses in a ``kind`` box mapped back (data file)."""
    confusions = rules()["letter_confusions"][kind]
    return "".join(confusions.get(c, c) for c in text)


def _choice(kind: str) -> Callable[[str], Parsed]:
    """A one-letter box (transaction code, A/D, D/I) checked against its list."""

    def parse(text: str) -> Parsed:
        if not text:
            return Parsed(None)
        allowed = choices()[rules()["choice_lists"][kind]]
        letters = _unconfused(text.strip("()[] "), kind).upper()
        if letters in allowed:
            return Parsed(letters)
        return _flag(text, f"{text!r} is not one of {', '.join(sorted(allowed))}")

    return parse


_TICKER = re.compile(r"(.*?)\s*[\[({|\"'“‘]\s*([A-Za-z0-9.\-]{1,10})\s*[,.:;]?\s*[\])}|JI1l]?")
_AFTER_BRACKET = re.compile(r"(\s+[^\w\s]{1,2})+$")  # specks and rule stubs after the bracket


def _ticker(text: str) -> Parsed:
    """"Name [ TICK ]" -> issuerName, issuerTradingSymbol (brackets OCR'd as ( { | " J too)."""
    text = _AFTER_BRACKET.sub("", text)
    match = _TICKER.fullmatch(text)
    if not match or not match.group(1):
        return Parsed(None, ok=False, warning=f"no 'Name [ TICKER ]' in {text!r}",
                      parts={"issuerName": text or None, "issuerTradingSymbol": None})
    name, symbol = _company_suffix(_tidy(_TAILED_O.sub("O", _strip_stray(match.group(1))))), _unconfused(match.group(2).upper(), "ticker")  # symbols are letters
    return Parsed(symbol, parts={"issuerName": name, "issuerTradingSymbol": symbol})


def _company_suffix(name: str) -> str:
    """An issuer's last word one letter off a company abbreviation, with its first letter,
    is that abbreviation (a fax's "Ing" and "Cq" are Inc and Co)."""
    words = name.split(" ")
    core = words[-1].rstrip(".,")
    if len(core) < 2 or not core.isalpha() or core.lower() in rules()["abbreviations"]:
        return name
    near = [a for a in rules()["abbreviations"] if a.isalpha() and a[0] == core[0].lower() and Levenshtein.distance(a, core.lower()) == 1
            and len(a) == len(core)]
    if len(near) != 1:
        return name
    right = near[0].upper() if core.isupper() else near[0].capitalize() if core[0].isupper() else near[0]
    return " ".join(words[:-1] + [words[-1].replace(core, right)])


def with_bracketed(text: str, inner: str) -> str:
    """A "Name [ TICK ]" reading with its bracketed part replaced by ``inner`` (that part read
    again on its own); without a bracketed part, ``inner`` in brackets after the text."""
    match = _TICKER.fullmatch(_AFTER_BRACKET.sub("", text))
    head = match.group(1) if match else text
    return f"{head.rstrip()} [ {inner.strip()} ]"


_ZIP = re.compile(r"^\d{5}(?:-?\d{4})?$")


@lru_cache(maxsize=1)
def _spaced_cities() -> dict[str, str]:
    return {re.sub(r"[\s.]", "", c).lower(): c for c in _lexicon()["spaced_cities"]}


def _spaced(city: str) -> str:
    """A city of several words read as one ("SANDIEGO": a fax closed its spaces), spaced as listed."""
    listed = _spaced_cities().get(city.lower()) if city and " " not in city else None
    return in_case_of(listed, city) if listed else city


def zip_state(zip_code: str) -> str | None:
    """The state whose range holds a ZIP code's first three digits (USPS, data file)."""
    prefix = int(zip_code[:3])
    return next((state for first, last, state in rules()["zip_prefix_states"] if first <= prefix <= last), None)


def _city_state_zip(text: str) -> Parsed:
    """"City State Zip" of box 1 -> rptOwnerCity, rptOwnerState, rptOwnerZipCode.

    The print gives each its third of the line, but a long city name widens its column and a
    narrow one wraps, so the parts are told apart by their form, not their place: the zip is
    the last five- or nine-digit token, the state the last two-letter token before it, set
    right by the letters a fax confuses ("MQ" is MO) when that makes a USPS code. A part
    missing or a state that is no USPS code is flagged.
    """
    tokens = [t.strip(",;:\"'“”‘’") for t in text.split()]  # a speck read as a quote glued to the state
    tokens = [t for t in tokens if t]
    zip_token = next((t for t in reversed(tokens) if _ZIP.match(t.rstrip("."))), None)  # a speck after it
    zip_code = zip_token and zip_token.rstrip(".")
    if zip_token:
        tokens.remove(zip_token)
    if tokens and re.fullmatch(r"[A-Za-z]{2}\.", tokens[-1]):  # a speck after the state ("FI." before 32228)
        tokens[-1] = tokens[-1][:2]
    states = rules()["states"]

    def usps(token: str) -> str | None:  # the code as read, else with a fax's confusions undone
        return next((code for code in (token.upper(), _unconfused(token, "state").upper()) if code in states), None)

    state = next((t for t in reversed(tokens) if len(t) == 2 and (t.isalpha() or usps(t))), None)
    if state and (len(tokens) > 1 or usps(state)):
        del tokens[len(tokens) - 1 - tokens[::-1].index(state)]
        state = usps(state) or state.upper()  # small capitals read as lower case
    else:
        state = None
    # a speck between city and state, a quote before it; a dash or period at its ends ("-ARLINGTON", "San Jose.")
    city = _spaced(_no_end_period(_tidy(_strip_stray(" ".join(tokens))).strip("-"))) or None
    by_zip = zip_state(zip_code) if zip_code else None
    repaired = by_zip is not None and state != by_zip and (state not in states or Levenshtein.distance(state, by_zip) == 1)
    parts = {"rptOwnerCity": city, "rptOwnerState": by_zip if repaired else state, "rptOwnerZipCode": zip_code}
    if repaired:  # "FI" or "CA" before 32801: a faxed letter of FL, CO; the zip's first digits name the state
        return Parsed(city, ok=False, parts=parts, warning=f"state read {state!r}, the zip {zip_code} is in {by_zip}")
    missing = [name for name, value in parts.items() if value is None]
    if not missing and by_zip is not None and state != by_zip:
        return Parsed(city, ok=False, parts=parts, warning=f"state {state!r}, but the zip {zip_code} is in {by_zip}")
    if missing or state not in states:
        return Parsed(city, ok=False, parts=parts,
                      warning=f"{', '.join(missing) or 'rptOwnerState'} not read from {text!r}" if missing
                      else f"{state!r} is no USPS state code")
    return Parsed(city, parts=parts)


# "/s/" as photocopies and faxes print it: "/si", "(s/", "|s|", "/sf", "isi", "'s/", or without its
# first slash; after a letter for the first slash, a letter for the last only before a space
# ("Isla" is a name)
_SIGNED = re.compile(r"^[*'‘’`.,\s]*(?:[(\[{/|]\s?[sS5]\s?[/|Il1fi)\]'{}]|'[sS5](?=\s)|[Il1i']\s?[sS5]\s?(?:[/)\]]|[|Il1fi](?=\s))|[sS5]/"
                     r"|['(\[]?[tf]?[sSg5][/|!](?=\s)|\S[sS5$][/!](?=\s|[A-Z]))[.,;:]?")  # a faxed "/s/" read "ts/", "'fs!", "(g/", "*/s/.", "és/", "i$!"


def _signature(text: str) -> Parsed:
    """"/s/ Name ... MM/DD/YYYY" -> signatureName, signatureDate (either may be absent)."""
    name, when, warning = text, None, None
    match = re.search(r"\s*(\S{6,10})$", text)
    if match and re.search(r"\d.*\d.*\d", match.group(1)):
        when, warning = parse_date(match.group(1))
        if when is None:
            when = match.group(1)
        name = text[: match.start()]
    name = _tidy_signature(name.strip()) or None
    return Parsed(name, ok=warning is None, warning=warning, parts={"signatureName": name, "signatureDate": when})


def _joined_phrase(match: re.Match) -> str:
    """A capacity phrase's words joined as printed: by hyphens when one of its breaks is a
    hyphen ("Attorney: in-Fact" is a faxed "Attorney-in-Fact"), else by spaces."""
    words, breaks = match.groups()[::2], match.groups()[1::2]
    return ("-" if "-" in breaks else " ").join(words)


def _tidy_signature(name: str) -> str:
    """A signature's specks and faxed punctuation undone: a comma always has one space after
    it; "R, Bailey" is an initial's period; the words of a capacity ("Attorney-in-Fact",
    data/lexicon.json) are set right, nothing stands between the words of its phrases
    ("Attorney. in Fact"), and a name before it ends with a comma ("King. Attorney"); a
    last word that is no abbreviation ends without a period.
    Names stay: only words of seven letters or more are corrected."""
    name = re.sub(r"(?<=\s)([A-Z])(?:\.,|, \.) (?=[A-Z][a-z])", r"\1. ", name)  # "L., Morris", "L, . Watson": specks
    name = re.sub(r",[\s,]*(?=\S)", ", ", name)
    name = re.sub(r"\b(by);(?=\s)", r"\1:", name, flags=re.IGNORECASE)  # "By; /s/"
    name = re.sub(r"(?<=[a-z])\?(?= )", ",", name)  # "Nelson? Attorney": a faxed comma
    name = re.sub(r"(,? )(LLG|llg|Llg)$", lambda m: m.group(1) + in_case_of("LLC", m.group(2)), name)  # no filer is an LLG
    name = re.sub(r"(?<=[A-Za-z])\+(?=[A-Za-z])", "-", name)  # "Attorney-in+Fact"
    name = re.sub(r"(?<=\s)['‘`](?=[A-Z][a-z])", "", name)  # a speck before a name: "B. 'Thomas"
    name = _FAXED_INITIAL.sub(r"\1.", name)
    name = re.sub(r"(?<=[A-Za-z] )(\d)(?=\. [A-Za-z])", lambda m: rules()["initial_digits"].get(m.group(1), m.group(1)), name)
    words = []
    for word in name.split(" "):
        core = word.strip("(),.;:")
        fits = len(core) >= 7 and core.replace("-", "").isalpha()
        best = _nearest_word(core.lower(), "capacity_words", short_reach=False) if fits else None
        words.append(word.replace(core, in_case_of(_words("capacity_words")[best], core)) if best else word)
    name = " ".join(words)
    for phrase in _lexicon()["capacity_phrases"]:
        parts = phrase.split()
        pattern = r"\b" + "".join(rf"({re.escape(w)})[.,:;]?(\s+|-)" for w in parts[:-1]) + rf"({re.escape(parts[-1])})\b"
        name = re.sub(pattern, _joined_phrase, name, flags=re.IGNORECASE)
    name = _set_phrases(name, ("signature_phrases",))  # "Attorney ity Fact fer"
    capacity = "|".join(map(re.escape, _words("capacity_words")))
    name = re.sub(rf"\ba[sgz5][.,:;]? (?=(?:{capacity})\b)", "as ", name, flags=re.IGNORECASE)  # "King, as. Attorney", "ag Attorney"
    name = re.sub(rf"(\w{{3,}})\. (?=(?:as )?(?:{capacity})\b)",
                  lambda m: m.group(0) if m.group(1).lower() in rules()["abbreviations"] else f"{m.group(1)}, ",
                  name, flags=re.IGNORECASE)
    name = re.sub(r"\b([Ll])[.,] ?([Ll])[.,] ?([Cc])[.,]?$", r"\1.\2.\3.", name)  # "L.L,C,", "L.L. C": a faxed "L.L.C."
    return _no_end_period(name)


def _no_end_period(text: str) -> str:
    """``text`` without a speck after its last word: a comma, colon or semicolon ("Young,"),
    or a period, when that word is no abbreviation ("Ramaswamy."; "Inc," is a faxed "Inc.")."""
    last = text.rsplit(" ", 1)[-1]
    if last and last[-1] in ",;:" and last.rstrip(",;:.").lower() not in rules()["abbreviations"]:
        text = text.rstrip(",;:")
        last = text.rsplit(" ", 1)[-1]
    if last.endswith(".") and "." not in last[:-1] and len(last) > 3 and last[:-1].lower() not in rules()["abbreviations"]:
        return text[:-1]
    return text


_PO_BOX = re.compile(r"^[PpBb][.,]?\s?[OoCc0][.,]?\s+(?=Box\b)", re.IGNORECASE)  # "B.C. Box": a faxed "P.O."
_CARE_OF = re.compile(r"^[Cc](?:[/|\\!lI14]\)?[oO0)]?|/\s?[oO0q]\)?|[iI][oO0])(?=\s)")  # "c4) Dynamo", "c/0 Juniper", "c/q)", "cio"
_UNIT = re.compile(r"(?:Suite|Ste\.?|Unit|Apt\.?|Floor|Fl\.?|Room|Rm\.?|Box|#)$", re.IGNORECASE)


def _tidy_street(text: str) -> str:
    """A street line's faxed "P.O. Box" and "c/o", and its suffix and unit words set right
    against the lexicon's street words ("Sulte" -> "Suite"); numbers and names stay."""
    text = _PO_BOX.sub(lambda m: "P.O. " if m.group()[0].isupper() else "p.o. ", text)
    text = _CARE_OF.sub("C/O" if text.isupper() else "c/o", text)
    words = []
    for word in text.split(" "):
        core = word.strip(",.;:")
        best = _nearest_word(core.lower(), "street_words", short_reach=False) if len(core) >= 5 and core.isalpha() else None
        words.append(word.replace(core, in_case_of(_words("street_words")[best], core)) if best else word)
    return " ".join(words)


def street_lines(lines: list[str]) -> list[str]:
    """Box 1's street lines as printed, a unit number the box wrapped ("..., Suite" over "23")
    joined back to its line."""
    out: list[str] = []
    for line in lines:
        if out and re.fullmatch(r"#?\d+[A-Za-z]?", line.strip()) and _UNIT.search(out[-1].rstrip()):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return out


def _footnote_only(text: str) -> Parsed:
    return _flag(text, f"expected only a footnote mark, read {text!r}") if text else Parsed(None)


def _mark(text: str | bool) -> Parsed:
    """The mark reader's boolean, as the XML writes it."""
    if isinstance(text, bool):
        return Parsed("true" if text else "false")
    word = text.strip().lower()
    if word in ("true", "1", "x"):
        return Parsed("true")
    if word in ("false", "0", ""):
        return Parsed("false")
    return _flag(text, f"not a mark: {text!r}")


_RUN_ON_INITIAL = re.compile(r"([a-z]{3})([A-Z])\b")  # "Gutierrez BarbaraA": an underline closed the space


_PARSERS: dict[str, Callable[[str], Parsed]] = {
    "text": lambda t: _text(_no_end_period(_RUN_ON_INITIAL.sub(r"\1 \2", t))),
    "title": lambda t: _text(correct_words(_share_class(_first_word(t)))),
    "relationship": lambda t: _text(_set_phrases(t)),  # officer titles are too many for a word list
    "street": lambda t: _text(_tidy_street(t)),
    "date": _date,
    "number": _number,
    "price": _price,
    "code": _choice("code"),
    "acquired_disposed": _choice("acquired_disposed"),
    "direct_indirect": _choice("direct_indirect"),
    "ticker": _ticker,
    "city_state_zip": _city_state_zip,
    "signature": _signature,
    "footnote_only": _footnote_only,
}
KINDS = (*_PARSERS, "checkbox", "mark")
WORD_KINDS = ("text", "title", "relationship", "street", "signature", "city_state_zip")  # words, not figures or codes


_LETTER_DOLLAR = re.compile(r"(?<=[A-Za-z] )\$(?=$|\s+[^\d\s])|(?<=[A-Za-z])\$(?![\d.,])")  # "Hiroshi $": an S; "$0.01" is a price


# "qrion", "qne Elm Plaza": a faxed capital O whose speck tail makes it a q; no word of a
# name or an address starts with a small q, and none with a q but before a u
_TAILED_O = re.compile(r"(?<![\w'’])q(?=[a-tv-z])")


def parse_value(text: str | bool, kind: str) -> Parsed:
    """The value of one box of type ``kind`` (see KINDS) from its OCR text."""
    if kind in ("checkbox", "mark"):
        return _mark(text)
    if kind not in _PARSERS:
        raise ValueError(f"unknown box kind {kind!r}")
    text = _normalize(text)
    if kind == "signature":  # before stray marks go: "|s|" is a misread "/s/", not a ruled line
        text = _SIGNED.sub("/s/", text)
    if kind in WORD_KINDS:
        text = " ".join(text.translate(str.maketrans(rules()["word_confusions"])).split())
        text = _LETTER_DOLLAR.sub("S", text)
        text = _TAILED_O.sub("O", text)
    if kind == "city_state_zip":
        text = " ".join(text.split())
    strip = (lambda t: t.strip()) if kind == "ticker" else _strip_stray  # "|" may be a bracket there
    body, notes, note_warning = take_footnotes(strip(text))
    parsed = _PARSERS[kind](strip(body))
    parsed.footnotes = notes
    if note_warning:
        parsed.ok = False
        parsed.warning = "; ".join(w for w in (parsed.warning, note_warning) if w)
    return parsed


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    return json.loads(resources.files("ocr").joinpath("data/lexicon.json").read_text())


@lru_cache(maxsize=None)
def _words(group: str = "words") -> dict[str, str]:
    return {w.lower(): w for w in _lexicon()[group]}


LONG_WORD, LONG_WORD_ALONE = 10, 5  # see _nearest_word


def _nearest_word(word: str, group: str = "words", short_reach: bool = True, ties: bool = True) -> str | None:
    """The lexicon word (lower case) within reach of ``word``: one letter off (the first listed
    when several are, or, without ``ties``, none), or two for words of seven letters or more, or (``short_reach``) of
    five or six with length within one ("Opuon" -> "Option", never "Jason" -> "Son"), with
    the same first letter when no other is as near (a name stays: "Charles" is not
    "Shares"); three, with it, for words of ten letters or more when no other is within
    five ("Canvertihte" -> "Convertible")."""
    near = process.extract(word, _words(group).keys(), scorer=Levenshtein.distance, limit=2)
    if not near or near[0][1] > 3:
        return None
    best, distance = near[0][0], near[0][1]
    if distance <= 1:
        return best if ties or len(near) == 1 or near[1][1] > distance else None
    if distance == 3:
        far = len(near) == 1 or near[1][1] >= LONG_WORD_ALONE
        return best if len(word) >= LONG_WORD and far and best[0] == word[0] else None
    alone = len(near) == 1 or near[1][1] > distance
    short = short_reach and len(word) >= 5 and abs(len(best) - len(word)) <= 1
    return best if alone and best[0] == word[0] and (len(word) >= 7 or short) else None


def in_case_of(right: str, read: str) -> str:
    """``right`` upper or lower case as ``read`` is, else as the lexicon has it."""
    return right.upper() if read.isupper() else right.lower() if read.islower() else right


def _correct_core(core: str) -> str | None:
    """A word (no punctuation around it) set right, or None when it is not a lexicon word
    within reach. A hyphenated word not within reach whole is taken part by part
    ("Perlurmance-Based")."""
    if core.lower() in _words():
        return core
    if len(core) < 4 or not core.replace("-", "").replace("'", "").isalpha():
        return None
    best = _nearest_word(core.lower())
    if best is not None:
        return in_case_of(_words()[best], core)
    if "-" in core:
        parts = [p if len(p) < 4 else _correct_core(p) for p in core.split("-")]
        return "-".join(parts) if None not in parts else None
    return None


def _split_core(core: str) -> str | None:
    """Two lexicon words read run together ("pershare" -> "per share")."""
    lower = core.lower()
    for i in range(2, len(core) - 1):
        if lower[:i] in _words() and lower[i:] in _words():
            return f"{core[:i]} {core[i:]}"
    return None


def _share_class(text: str) -> str:
    """A share class letter read as the digit it looks like ("Class 8 Common Stock")."""
    confusions = rules()["letter_confusions"]["share_class"]
    return re.sub(r"\b(class) (\S)(?=\s|$)", lambda m: f"{m.group(1)} {confusions.get(m.group(2), m.group(2))}", text,
                  flags=re.IGNORECASE)


def _first_word(text: str) -> str:
    """``text`` with its first word set to the lexicon's ``first_words`` it is one letter off
    (same length: "Ry Spouse" -> "By Spouse"), unless it is a word of the lexicon itself."""
    first, _, rest = text.partition(" ")
    if not first.isalpha() or first.lower() in _words():
        return text
    match = next((w for w in _lexicon()["first_words"]
                  if len(w) == len(first) and Levenshtein.distance(w.lower(), first.lower()) == 1), None)
    return f"{in_case_of(match, first)} {rest}" if match and rest else text


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """English words and common names (pyspellchecker's word list, 160,000 of them)."""
    return frozenset(SpellChecker().word_frequency.dictionary)


def correct_prose(text: str) -> str:
    """Words of a footnote or the remarks that are no English word set right against the
    lexicon's ``prose_words`` within ``_nearest_word``'s reach ("chiel" -> "chief",
    "pecuntary" -> "pecuniary"; "issuee" stays, as near "issued" as "issuer"). Words the English list knows stay, names with them
    ("become" is not "becomes", "Parr" not "par"); a capitalized word goes only to a word of
    its first letter and length."""
    out = []
    for word in text.split(" "):
        core = word.strip("(),.;:\"'")
        unknown = len(core) >= 4 and core.isalpha() and core.lower() not in _english()
        best = (_nearest_word(core.lower(), "prose_words", short_reach=False, ties=False)
                if unknown and core.lower() not in _words("prose_words") else None)
        if best and not core.islower() and (best[0] != core[0].lower() or len(best) != len(core)):
            best = None
        if best:
            best = best.upper() if core.isupper() else best.capitalize() if core[0].isupper() else best
        out.append(word.replace(core, best) if best else word)
    return " ".join(out)


def _lexicon_or(joined: str, read: str) -> str:
    """``joined`` as the lexicon spells it when it is a lexicon word, else ``read`` as it was."""
    return in_case_of(_words()[joined.lower()], joined) if joined.lower() in _words() else read


def correct_words(text: str) -> str:
    """Words of a security title or ownership text set right against the form's lexicon
    (``data/lexicon.json``) in the case they were printed in: a word that is not in it but is
    near exactly one lexicon word is replaced ("Cammon Stack" -> "Common Stock"); failing
    that, two words run together are split, and a word broken in two ("put hase") is joined.
    Then the set phrases ("(Right to Buy)") are matched whole, for their short words and
    brackets; "$0,001" is a faxed point, as no thousands group follows a lone 0, a speck
    for the space before "$" is a space, and the letters in a dollar amount are the digits
    they look like ("$0.00t").
    Numbers, names and short words stay."""
    text = re.sub(r"(?<=[a-z])!(?=\s|$)", "", text)  # "Cash-Settles! Equity": a speck
    text = re.sub(r"\)\.$", ")", text)  # "(Right to Buy).": a speck
    text = re.sub(r"\b(\w+)\.\s?(\w+)\b", lambda m: _lexicon_or(f"{m[1]}-{m[2]}", m[0]), text)  # "Cash. Settled": a faxed hyphen
    text = re.sub(r"\b(\w)\.(\w{2,}-\w+)", lambda m: _lexicon_or(m[1] + m[2], m[0]), text)  # "C.ash-Settled": a speck
    out: list[str] = []
    for word in text.split(" "):
        core = word.strip("(),.;:")
        if len(core) < 4 or core.lower() in _words():
            out.append(word)
            continue
        right = _correct_core(core) or _split_core(core)
        joined = f"{out[-1]}{core}" if out and out[-1].isalpha() and not right else ""
        if joined and (join := _correct_core(joined)) is not None:
            out[-1] = word.replace(core, join)
            continue
        out.append(word.replace(core, right) if right else word)
    text = _GLUED_DOLLAR.sub(" ", _ZERO_COMMA.sub(r"\1.", _set_phrases(" ".join(out), ("phrases", "title_phrases"))))
    return _DOLLAR_LETTERS.sub(lambda m: m.group(1) + m.group(2).translate(_AS_DIGITS), text)  # "par value $0.00t"


_DOLLAR_LETTERS = re.compile(r"(\$\d)([\d,.tTlIi|oO]*[\d,.tTlIi|oO\]}]?)(?=\s|$)")
_AS_DIGITS = str.maketrans("tTlIi|oO]}", "1111110011")
_ZERO_COMMA = re.compile(r"(?<![\d,.])(\$?0),(?=\d+\b)")
_GLUED_DOLLAR = re.compile(r"(?<=[A-Za-z])[.,]?(?=\$\d)")  # "par value.$0.001": a speck for the space
PHRASE_END_SCORE = 40  # and of its first and last words to the first and last read: "Stuth" for "Stock" scores 40
PHRASE_SCORE = 75  # rapidfuzz ratio of a set phrase to the words read: "(right tu duy}" scores 78.6
PHRASE_MORE = 0.25  # the words read hold at most this share more letters than the phrase


def _set_phrases(text: str, groups: tuple[str, ...] = ("phrases",)) -> str:
    """Set phrases of the lexicon ``groups`` put in place of the words they match best, in
    their case; then so in what is left on either side. Words are compared whole ("Conan
    Stock" is "Common Stock"), one fewer only when two ran together ("(Rightto Buy)"), and a
    phrase never replaces a lexicon word it does not hold: "Common Shares", "Restricted
    Stock" and "Deferred Stock Units" stay. Brackets and punctuation around them stay."""
    words = text.split(" ")
    best: tuple[float, int, int, str] | None = None
    for phrase in (p for group in groups for p in _lexicon()[group]):
        own = {w.lower() for w in re.findall(r"[\w'-]+", phrase)}
        size, letters = len(phrase.split()), len(phrase.replace(" ", ""))
        for n in {size, max(1, size - 1)}:
            for i in range(len(words) - n + 1):
                core = _phrase_core(" ".join(words[i : i + n]), phrase)[1]
                short = min(len(w) for w in phrase.split()[1:-1]) if size > 2 else 0
                lost = letters - len(core.replace(" ", ""))
                if n < size and abs(lost) > 1 and not (short <= 2 and lost == short):  # "(Right Buy)": "to" lost
                    continue
                if -lost > PHRASE_MORE * letters:  # more words than the phrase's: "Attorney-in-Fact for Betty R."
                    continue
                ends = core.lower().split(" "), phrase.lower().split(" ")
                if min(fuzz.ratio(ends[0][0], ends[1][0]), fuzz.ratio(ends[0][-1], ends[1][-1])) < PHRASE_END_SCORE:
                    continue  # the phrase's first and last words are where they are read
                if any(w.lower() in _words() and w.lower() not in own for w in re.findall(r"[\w'-]+", core)):
                    continue
                score = fuzz.ratio(phrase.lower(), core.lower())
                if score >= PHRASE_SCORE and (best is None or score > best[0]):
                    best = (score, i, i + n, phrase)
    if best is None:
        return text
    _, i, j, phrase = best
    lead, core, trail = _phrase_core(" ".join(words[i:j]), phrase)
    left, right = " ".join(words[:i]), " ".join(words[j:])
    return " ".join(part for part in (_set_phrases(left, groups) if left else "", lead + in_case_of(phrase, core) + trail,
                                      _set_phrases(right, groups) if right else "") if part)


def _phrase_core(read: str, phrase: str) -> tuple[str, str, str]:
    """``read`` as (brackets before, words, brackets and punctuation after), where the
    phrase itself has no such bracket or punctuation."""
    lead = re.match(r"^[(\[{]*", read).group() if phrase[0].isalnum() else ""
    trail = re.search(r"[)\]},;:.]*$", read).group() if phrase[-1].isalnum() else re.search(r"[,;:.]*$", read).group()
    return lead, read[len(lead) : len(read) - len(trail)], trail


# "PresidentFormer", "Officer (CFO)Member", "EVPPossible"; not "McKinsey"
_JOIN = re.compile(r"(?:(?<=[a-z]{3})|(?<=\))|(?<=[A-Z]{2}))(?=[A-Z][a-z]{2})")


def split_joined(text: str) -> tuple[str, str | None]:
    """Two texts the print set one after the other with nothing between ("PresidentFormer 10%
    Owner"), cut where a word in small letters runs into a capital; (text, None) when no
    such place is found."""
    found = _JOIN.search(text)
    return (text[: found.start()], text[found.start() :]) if found else (text, None)


def letters_of(text: str) -> str:
    """A text's letters, in small letters: what a label is compared by."""
    return re.sub(r"[^a-z]", "", text.lower())


def matches_label(text: str, label: str, score: float = 85.0) -> bool:
    """Whether a printed label is in a line of OCR text, by its letters, allowing a few slips."""
    label, text = letters_of(label), letters_of(text)
    return len(text) >= 0.8 * len(label) and fuzz.partial_ratio(label, text) >= score


LABEL_SLIP = 80  # a printed label read a letter off ("(Middie)") is still the label


def drop_labels(text: str, labels: list[str]) -> str:
    """``text`` without the words that are the box's printed labels ("(Street)" read along with
    a value when a bad scan moved the box's inner rules), compared by their letters only."""
    letters = lambda word: re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", word).lower())  # noqa: E731
    printed = {letters(label) for label in labels}

    def is_label(word: str) -> bool:  # labels are printed in parentheses: "(City)", not "CITY"
        return bool(re.match(r"^[({\[]|.*[)}\]]$", word)) and process.extractOne(
            letters(word), printed, scorer=fuzz.ratio, score_cutoff=LABEL_SLIP) is not None

    def unlabelled(line: str) -> str:  # what a label leaves with no letter or digit is a rule's stub ("| |")
        kept = " ".join(w for w in line.split() if not is_label(w))
        return kept if kept == " ".join(line.split()) or re.search(r"[^\W_]", kept) else ""

    return "\n".join(line for line in map(unlabelled, text.splitlines()) if line.strip())


def join_lines(text: str) -> str:
    """One line from a box's wrapped lines: the browser breaks after a hyphen, so a line ending
    in "-" joins the next without a space; other breaks become one space."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    out = ""
    for line in lines:
        out += line if not out or out.endswith("-") else " " + line
    return out


_ROW = re.compile(r"^((?:nonDerivativeTable|derivativeTable)/\w+\[\d+\])/")


def _element(path: str) -> str:
    """The element a flattened path names: ".../transactionDate/value" -> "transactionDate"."""
    parts = [re.sub(r"\[.*\]$", "", p) for p in path.split("/")]
    return parts[-2] if parts[-1] == "value" and len(parts) > 1 else parts[-1]


def nearest_date(text: str, reference: str, within_days: int) -> str | None:
    """The ISO date one digit away from an impossible MM/DD/YYYY reading ("04/31/2024",
    "92/21/2014") that lies nearest ``reference`` (ISO) and within ``within_days`` of it;
    None when the reading is no eight-digit date, or two candidates lie equally near."""
    digits = re.sub(r"\D", "", _digits(text))
    if len(digits) != 8 or not _is_iso(reference) or parse_date(text)[0] is not None:
        return None
    anchor = date.fromisoformat(reference)
    found = set()
    for i, digit in ((i, d) for i in range(8) for d in "0123456789"):
        changed = digits[:i] + digit + digits[i + 1:]
        iso, warning = parse_date(f"{changed[:2]}/{changed[2:4]}/{changed[4:]}")
        if iso is not None and warning is None:
            found.add(iso)
    ranked = sorted((abs((date.fromisoformat(iso) - anchor).days), iso) for iso in found)
    if not ranked or ranked[0][0] > within_days or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    return ranked[0][1]


def _is_iso(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        year = date.fromisoformat(value).year
    except ValueError:
        return False
    low, high = rules()["year_range"]
    return low <= year <= high


def validate(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-checks on a whole ownershipDocument: (flattened path, warning) per problem.

    Checks: dates are ISO and plausible; numbers are plain non-negative decimals; codes are in
    the SEC lists; periodOfReport is the earliest transaction date; the amount owned after an
    acquisition is at least the amount acquired; an indirect holding names its nature; every
    footnote mark has a footnote and every footnote is referenced (an unreferenced footnote
    usually means a superscript mark was missed).
    """
    flat = ownership.flatten(doc)
    spec = rules()
    lists = choices()
    out: list[tuple[str, str]] = []
    used: dict[str, str] = {}
    for path, value in flat.items():
        element = _element(path)
        if element == "footnoteId":
            for note in value.split():
                used.setdefault(note, path)
            continue
        if not value:
            continue
        if element in spec["date_elements"] and not _is_iso(value):
            out.append((path, f"{element} {value!r} is not a plausible ISO date"))
        elif element in spec["number_elements"] and not _PLAIN.fullmatch(value):
            out.append((path, f"{element} {value!r} is not a non-negative plain number"))
        elif element in lists and value not in lists[element]:
            out.append((path, f"{element} {value!r} is not one of {', '.join(sorted(lists[element]))}"))

    defined = {path[len("footnotes/footnote[") : -1] for path in flat if path.startswith("footnotes/footnote[")}
    for note, path in used.items():
        if note not in defined:
            out.append((path, f"footnote {note} is marked but not in the Explanation of Responses"))
    for note in sorted(defined - set(used), key=lambda n: (len(n), n)):
        out.append((f"footnotes/footnote[{note}]", f"footnote {note} is never marked: a superscript may have been missed"))

    dates = sorted(v for p, v in flat.items() if p.endswith("/transactionDate/value") and _is_iso(v))
    period = flat.get("periodOfReport")
    if dates and not period:
        out.append(("periodOfReport", f"periodOfReport missing; the earliest transaction is {dates[0]}"))
    elif dates and _is_iso(period) and period != dates[0]:
        out.append(("periodOfReport", f"periodOfReport {period} is not the earliest transaction date {dates[0]}"))

    for row in sorted({m.group(1) for m in map(_ROW.match, flat) if m}):
        following_path = f"{row}/postTransactionAmounts/sharesOwnedFollowingTransaction/value"
        following = flat.get(following_path, "")
        shares = flat.get(f"{row}/transactionAmounts/transactionShares/value", "")
        code = flat.get(f"{row}/transactionAmounts/transactionAcquiredDisposedCode/value")
        if code == "A" and _PLAIN.fullmatch(following) and _PLAIN.fullmatch(shares) and Decimal(following) < Decimal(shares):
            out.append((following_path, f"owned after acquiring {shares} is only {following}"))
        if flat.get(f"{row}/ownershipNature/directOrIndirectOwnership/value") == "I" and not flat.get(
            f"{row}/ownershipNature/natureOfOwnership/value"
        ):
            out.append((f"{row}/ownershipNature/natureOfOwnership/value", "indirect ownership without its nature"))
    return out
