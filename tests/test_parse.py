"""Parse and validate: OCR text of a box to a value, and cross-checks on whole documents."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from ocr import ownership
from ocr.parse import KINDS, Parsed, drop_labels, nearest_date, parse_date, parse_value, split_joined, take_footnotes, validate

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

# (OCR text, kind, value, footnotes, ok)
CASES = [
    # numbers: separators removed, fractions exactly as printed, footnote marks split off
    ("97,183(1)", "number", "97183", ["F1"], True),
    ("5,381.2", "number", "5381.2", [], True),
    ("757,756", "number", "757756", [], True),
    ("519(1)", "number", "519", ["F1"], True),
    ("1,234,567.0625", "number", "1234567.0625", [], True),
    ("0.756", "number", "0.756", [], True),
    ("757.756", "number", "757.756", [], False),  # a dot where the print puts a comma
    ("1.234.567", "number", "1234567", [], False),
    # a last separator followed by other than three digits is the decimal point (fax misreads
    # "31,300.4717" as "31,300,4717"); still flagged for review
    ("75,7756", "number", "75.7756", [], False),
    ("5381,2", "number", "5381.2", [], False),
    ("31,300,4717", "number", "31300.4717", [], False),
    ("97,l83", "number", "97183", [], True),
    ("7S7,7S6", "number", "757756", [], True),
    ("757, 756", "number", "757756", [], True),
    ("757,756 |", "number", "757756", [], True),
    ("757,756⁽¹⁾", "number", "757756", ["F1"], True),
    ("757,756(l)", "number", "757756", ["F1"], True),
    ("757,756(I)", "number", "757756", ["F1"], True),
    ("757,756 (1)(2)", "number", "757756", ["F1", "F2"], True),
    ("757,756(1),(2)", "number", "757756", ["F1", "F2"], True),
    ("757,756(1), (3)", "number", "757756", ["F1", "F3"], True),
    ("757,756(12)", "number", "757756", ["F12"], True),
    ("757,756(1", "number", "757756", ["F1"], True),
    ("757,756)", "number", "757756", [], False),  # half a footnote mark: which one is unknown
    ("None", "number", "None", [], False),
    ("-500", "number", "-500", [], False),
    ("", "number", None, [], True),
    ("(2)", "number", None, ["F2"], True),
    # prices
    ("$2.29", "price", "2.29", [], True),
    ("$0", "price", "0", [], True),
    ("$ 39.52(2)", "price", "39.52", ["F2"], True),
    ("$0.0001", "price", "0.0001", [], True),
    ("$12.345", "price", "12.345", [], True),  # prices may have 3-4 decimals: no thousands flag
    ("$1,250.50", "price", "1250.50", [], True),
    ("S2.29", "price", "2.29", [], True),
    ("$O.33", "price", "0.33", [], True),
    ("52.29", "price", "52.29", [], False),  # no $: the 5 may be the $
    ("$abc", "price", "$abc", [], False),
    ("", "price", None, [], True),
    # dates
    ("04/30/2025", "date", "2025-04-30", [], True),
    ("04/3O/2025", "date", "2025-04-30", [], True),
    ("O4/30/2O25", "date", "2025-04-30", [], True),
    ("0l/3l/2024", "date", "2024-01-31", [], True),
    ("(6/28/2023", "date", "2023-06-28", [], True),  # a fax's 0 without its top and bottom
    ("()5/(9/2024", "date", "2024-05-09", [], True),
    ("04/30/2025(1)", "date", "2025-04-30", ["F1"], True),
    ("04 / 30 / 2025", "date", "2025-04-30", [], True),
    ("04302025", "date", "2025-04-30", [], True),
    ("04/302025", "date", "2025-04-30", [], True),
    ("04l30l2025", "date", "2025-04-30", [], True),
    ("04|30|2025", "date", "2025-04-30", [], True),
    ("04-30-2025", "date", "2025-04-30", [], True),
    ("4/3/2025", "date", "2025-04-03", [], True),
    ("04/30/2025.", "date", "2025-04-30", [], True),
    ("13/45/2025", "date", "13/45/2025", [], False),
    ("02/30/2024", "date", "02/30/2024", [], False),
    ("04/30/2925", "date", "2925-04-30", [], False),  # calendar-valid, implausible year
    ("04/30/25", "date", "04/30/25", [], False),
    ("(1)", "date", None, ["F1"], True),
    # codes and one-letter choices
    ("A", "code", "A", [], True),
    ("s", "code", "S", [], True),
    ("M(1)", "code", "M", ["F1"], True),
    ("0", "code", "O", [], True),
    ("5", "code", "S", [], True),
    ("Q", "code", "O", [], True),
    ("B", "code", "B", [], False),
    ("AS", "code", "AS", [], False),
    ("D", "acquired_disposed", "D", [], True),
    ("(A)", "acquired_disposed", "A", [], True),
    ("0", "acquired_disposed", "D", [], True),
    ("X", "acquired_disposed", "X", [], False),
    ("I", "direct_indirect", "I", [], True),
    ("|", "direct_indirect", "I", [], True),
    ("l", "direct_indirect", "I", [], True),
    ("O", "direct_indirect", "D", [], True),
    ("E", "direct_indirect", "E", [], False),
    # text
    ("Common  Stock\n(restricted stock units)", "text", "Common Stock (restricted stock units)", [], True),
    ("| Common Stock |", "text", "Common Stock", [], True),
    ("Common Stock(1)", "text", "Common Stock", ["F1"], True),
    ("Stock options (right to buy)", "text", "Stock options (right to buy)", [], True),
    ("O’Brien ﬁnance", "text", "O'Brien finance", [], True),
    ("|", "text", None, [], False),  # specks in an empty box: no value, and a person checks
    ("a", "text", None, [], False),
    ("j 4", "text", None, [], False),
    ("VP", "text", "VP", [], True),
    ("$0,308", "price", "0.308", [], False),  # a fax's decimal point read as a comma
    ("$2.9011.(1)", "price", "2.9011", ["F1"], False),  # a speck before the mark (rough 15014), or a lost digit
    ("846,811.807.", "number", "846811.807", [], False),
    ("$180 28", "price", "180.28", [], False),  # a lost decimal point read as a gap (fax 05037)
    ("$1 234", "price", "1234", [], True),  # a lost comma: the value as without it
    ("$029", "price", "0.29", [], True),  # a rough scan's faint decimal point lost after the 0 (17007)
    ("$0 2849", "price", "0.2849", [], True),
    ("$06", "price", "0.6", [], True),  # flagged, the reading was retried into "$6" (rough 09002)
    ("$0", "price", "0", [], True),
    ("0123", "number", "0123", [], True),  # a share amount is not a price: no point is put in
    ("qrion Minerals Ltd", "text", "Orion Minerals Ltd", [], True),  # a faxed O with a speck tail (15004)
    ("qne Elm Plaza", "street", "One Elm Plaza", [], True),
    ("Quinn Qiu, quorum", "text", "Quinn Qiu, quorum", [], True),
    ("Baltimore + -", "text", "Baltimore", [], True),  # specks at the ends of a rough scan
    ('"P.O. BOX 51492', "text", "P.O. BOX 51492", [], True),
    ("Juniper Biosciences, Inc,", "text", "Juniper Biosciences, Inc.", [], True),  # a faxed period
    ("Smith John,", "text", "Smith John", [], True),
    ("= C/O ACME GROUP INC *", "text", "C/O ACME GROUP INC", [], True),
    ("Stock Option (right to buy )", "text", "Stock Option (right to buy )", [], True),
    ("9257 SOUTH OCEAN CIRCLE ]", "text", "9257 SOUTH OCEAN CIRCLE", [], True),  # a bracket that closes nothing
    ("P.O, Box 91912", "text", "P.O. Box 91912", [], True),  # an initial's faxed period
    ("6963 N, Boylston Ave", "text", "6963 N. Boylston Ave", [], True),
    ("Hill Court, Suite 23", "text", "Hill Court, Suite 23", [], True),
    ("Fund IV, L.P.", "text", "Fund IV, L.P.", [], True),
    ("Possible member of . 13(d) group", "text", "Possible member of 13(d) group", [], True),  # a lone speck
    ("Possible member of, 13(d) group", "relationship", "Possible member of 13(d) group", [], True),
    # street lines: a faxed "P.O." and "c/o", suffix and unit words, names and numbers as read
    ("b.c. Box 21885", "street", "p.o. Box 21885", [], True),
    ("ONE PEACHTREE PLAZA i", "street", "ONE PEACHTREE PLAZA", [], True),  # a speck read as a word
    ("SMITH JOHN Jr", "text", "SMITH JOHN Jr", [], True),
    ("c4) Dynamo Networks Inc", "street", "c/o Dynamo Networks Inc", [], True),
    ("C/0 JUNIPER BIOSCIENCES", "street", "C/O JUNIPER BIOSCIENCES", [], True),
    ("979 North Hill Court, Sulte 2373", "street", "979 North Hill Court, Suite 2373", [], True),
    ("125 Worth Avenue", "street", "125 Worth Avenue", [], True),
    ("4 Lower Street", "street", "4 Lower Street", [], True),
    ("Put Option , (Obligation to Buy)", "title", "Put Option (Obligation to Buy)", [], True),
    ("Common Stock, par value.$0.001 per share", "title", "Common Stock, par value $0.001 per share", [], True),
    ("", "text", None, [], True),
    # footnote-only cells
    ("(1)", "footnote_only", None, ["F1"], True),
    ("(1)(2)", "footnote_only", None, ["F1", "F2"], True),
    ("⁽³⁾", "footnote_only", None, ["F3"], True),
    ("", "footnote_only", None, [], True),
    ("04/30/2026", "footnote_only", "04/30/2026", [], False),
    # marks from the mark reader
    (True, "checkbox", "true", [], True),
    (False, "mark", "false", [], True),
    ("X", "mark", "true", [], True),
    ("", "checkbox", "false", [], True),
    ("maybe", "checkbox", "maybe", [], False),
]


@pytest.mark.parametrize("text,kind,value,footnotes,ok", CASES)
def test_parse_value(text, kind, value, footnotes, ok):
    got = parse_value(text, kind)
    assert (got.value, got.footnotes, got.ok) == (value, footnotes, ok)
    assert (got.warning is None) == ok  # a flagged value always says why


def test_cases_cover_every_kind():
    covered = {kind for _, kind, *_ in CASES} | {"ticker", "signature", "city_state_zip", "title", "relationship"}
    assert covered == set(KINDS)


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        parse_value("x", "colour")


@pytest.mark.parametrize(
    "text,name,symbol,ok",
    [
        ("374Water Inc. [ SCWO ]", "374Water Inc.", "SCWO", True),
        ("Alto Ingredients, Inc. [ALTO]", "Alto Ingredients, Inc.", "ALTO", True),
        ("EVANS BANCORP INC [ EVBN ]", "EVANS BANCORP INC", "EVBN", True),
        ("374Water Inc. [ ScWO ]", "374Water Inc.", "SCWO", True),  # small caps read as lower case
        ("Foo (Holdings) Inc ( FOO )", "Foo (Holdings) Inc", "FOO", True),
        ("Berkshire Hathaway Inc { BRK-A }", "Berkshire Hathaway Inc", "BRK-A", True),
        ("Acme Corp [ ACME", "Acme Corp", "ACME", True),  # closing bracket lost
        ("Alto Ingredients, Inc. [ ATI J", "Alto Ingredients, Inc.", "ATI", True),  # "]" read as J
        ("Fusion Industries, Inc. | FNII |", "Fusion Industries, Inc.", "FNII", True),  # brackets read as |
        ("Triple Oh Corp [ 000 ]", "Triple Oh Corp", "OOO", True),  # symbols are letters
        ("MAGNOLIA INGREDIENTS INC [ MGGN , J | |", "MAGNOLIA INGREDIENTS INC", "MGGN", True),  # specks after it
        ("XENON SYSTEMS CORP\" XsMs |", "XENON SYSTEMS CORP", "XSMS", True),  # "[" read as a quote
        ("ALTO SYSTEMS CORP [ asc: J", "ALTO SYSTEMS CORP", "ASC", True),  # a speck after the symbol
        ("O'Reilly Automotive Inc [ ORLY ]", "O'Reilly Automotive Inc", "ORLY", True),
        ("Ionic Software Ing [ IS ]", "Ionic Software Inc", "IS", True),  # a faxed "c"
        ("Juniper Airlines Cq [ JA ]", "Juniper Airlines Co", "JA", True),
        ("Sun Life [ SLF ]", "Sun Life", "SLF", True),  # no abbreviation within one letter
        ("qrion Medical, Inc. [ OMI ]", "Orion Medical, Inc.", "OMI", True),  # a faxed O with a speck tail (15019)
        ("Acme Corp", "Acme Corp", None, False),
    ],
)
def test_ticker(text, name, symbol, ok):
    got = parse_value(text, "ticker")
    assert got.parts == {"issuerName": name, "issuerTradingSymbol": symbol}
    assert got.value == symbol and got.ok is ok


@pytest.mark.parametrize(
    "text,city,state,zip_code",
    [
        ("WILLIAMSVILLE NY 14221", "WILLIAMSVILLE", "NY", "14221"),
        ("SOUTH SAN\nCA\n94090\nFRANCISCO", "SOUTH SAN FRANCISCO", "CA", "94090"),  # wrapped city, sparse read
        ("ST LOUIS MO 63101-1234", "ST LOUIS", "MO", "63101-1234"),  # a two-letter word in the city
        ("LONDON", "LONDON", None, None),
        ("NASHVILLE * TN 37201", "NASHVILLE", "TN", "37201"),  # a speck read between city and state
        ("MINNEAPOLIS MN 55491,", "MINNEAPOLIS", "MN", "55491"),
        ("Indianapolis IN\n46270.", "Indianapolis", "IN", "46270"),  # a speck after the zip read as a period
        ("ST. PAUL MN 55101", "ST. PAUL", "MN", "55101"),
        ("'GREENWICH CT 06830", "GREENWICH", "CT", "06830"),  # a speck read as a quote
        ("JACKSONVILLE FI.\n32228-0615", "JACKSONVILLE", "FL", "32228-0615"),  # a faxed FL and a speck (17039)
        ("San Jose.\nCA\n95180-8450", "San Jose", "CA", "95180-8450"),  # a speck after the city (17037)
        ("-ARLINGTON VA\n22278", "ARLINGTON", "VA", "22278"),  # and before it (07042)
        ("ST. LOUIS MO 63101", "ST. LOUIS", "MO", "63101"),
    ],
)
def test_city_state_zip(text, city, state, zip_code):
    got = parse_value(text, "city_state_zip")
    assert got.parts == {"rptOwnerCity": city, "rptOwnerState": state, "rptOwnerZipCode": zip_code}


@pytest.mark.parametrize(
    "text,name,when,ok",
    [
        ("/s/ Rajesh Melkote 05/02/2025", "/s/ Rajesh Melkote", "2025-05-02", True),
        ("/s/Jessica L. Brosius, Attorney in Fact for Nora B. Sullivan", "/s/Jessica L. Brosius, Attorney in Fact for Nora B. Sullivan", None, True),
        # the set phrase "Attorney in Fact for" is no reading of more words than its own (clean 09000)
        ("/s/ Michelle T. Gomez, Attorney-in-Fact for Betty R. Green", "/s/ Michelle T. Gomez, Attorney-in-Fact for Betty R. Green", None, True),
        ("/s/ Nora B. Ruiz, Attorney ity Fact fer Ann Lee", "/s/ Nora B. Ruiz, Attorney in Fact for Ann Lee", None, True),
        ("Is/ Michael D. Kandris 04/02/2024", "/s/ Michael D. Kandris", "2024-04-02", True),
        ("|s| Michael D. Kandris O4/O2/2024", "/s/ Michael D. Kandris", "2024-04-02", True),
        ("05/02/2025", None, "2025-05-02", True),
        ("/s/ Rajesh Melkote 05/42/2025", "/s/ Rajesh Melkote", "05/42/2025", False),
    ],
)
def test_signature(text, name, when, ok):
    got = parse_value(text, "signature")
    assert got.parts == {"signatureName": name, "signatureDate": when}
    assert got.ok is ok


def test_take_footnotes_flags_f0():
    value, notes, warning = take_footnotes("519(0)")
    assert (value, notes) == ("519", [])
    assert "F0" in warning


def test_parse_date_returns_reason():
    assert parse_date("04/30/2025") == ("2025-04-30", None)
    value, reason = parse_date("no date here")
    assert value is None and "MM/DD/YYYY" in reason


def test_parsed_defaults_are_independent():
    a, b = Parsed("1"), Parsed("2")
    a.footnotes.append("F1")
    assert b.footnotes == []


# --- validate ---------------------------------------------------------------------------------

def row(date: str, shares: str, code: str, following: str, di: str = "D", notes: list[str] | None = None) -> dict:
    amount = {"value": shares}
    if notes:
        amount["footnoteId"] = notes
    return {
        "securityTitle": {"value": "Common Stock"},
        "transactionDate": {"value": date},
        "transactionCoding": {"transactionFormType": "4", "transactionCode": "P" if code == "A" else "S", "equitySwapInvolved": "false"},
        "transactionAmounts": {
            "transactionShares": amount,
            "transactionPricePerShare": {"value": "2.29"},
            "transactionAcquiredDisposedCode": {"value": code},
        },
        "postTransactionAmounts": {"sharesOwnedFollowingTransaction": {"value": following}},
        "ownershipNature": {"directOrIndirectOwnership": {"value": di}},
    }


def base_doc() -> dict:
    return {
        "schemaVersion": "X0508",
        "documentType": "4",
        "periodOfReport": "2024-04-01",
        "issuer": {"issuerName": "Alto Ingredients, Inc.", "issuerTradingSymbol": "ALTO"},
        "nonDerivativeTable": {
            "nonDerivativeTransaction": [
                row("2024-04-02", "100", "A", "900"),
                row("2024-04-01", "97183", "D", "801601", notes=["F1"]),
            ]
        },
        "footnotes": {"footnote": [{"id": "F1", "text": "Shares withheld."}]},
        "ownerSignature": [{"signatureName": "/s/ Michael D. Kandris", "signatureDate": "2024-04-02"}],
    }


ROW0 = "nonDerivativeTable/nonDerivativeTransaction[0]/"
ROW1 = "nonDerivativeTable/nonDerivativeTransaction[1]/"


def set_path(doc: dict, path: str, value) -> dict:
    node = doc
    keys = path.split("/")
    for key in keys[:-1]:
        if key.endswith("]"):
            name, index = key[:-1].split("[")
            node = node[name][int(index)]
        else:
            node = node.setdefault(key, {})
    node[keys[-1]] = value
    return doc


def test_consistent_document_has_no_warnings():
    assert validate(base_doc()) == []


@pytest.mark.parametrize(
    "path,value,flagged",
    [
        ("periodOfReport", "2024-04-02", "periodOfReport"),
        ("periodOfReport", "04/01/2024", "periodOfReport"),
        (ROW0 + "transactionDate/value", "2024-02-30", ROW0 + "transactionDate/value"),
        (ROW0 + "transactionDate/value", "1900-04-02", ROW0 + "transactionDate/value"),
        (ROW0 + "postTransactionAmounts/sharesOwnedFollowingTransaction/value", "99", ROW0 + "postTransactionAmounts/sharesOwnedFollowingTransaction/value"),
        (ROW0 + "postTransactionAmounts/sharesOwnedFollowingTransaction/value", "-5", ROW0 + "postTransactionAmounts/sharesOwnedFollowingTransaction/value"),
        (ROW0 + "transactionAmounts/transactionShares/value", "1,000", ROW0 + "transactionAmounts/transactionShares/value"),
        (ROW0 + "transactionAmounts/transactionPricePerShare/value", "$2.29", ROW0 + "transactionAmounts/transactionPricePerShare/value"),
        (ROW0 + "transactionCoding/transactionCode", "B", ROW0 + "transactionCoding/transactionCode"),
        (ROW0 + "transactionAmounts/transactionAcquiredDisposedCode/value", "X", ROW0 + "transactionAmounts/transactionAcquiredDisposedCode/value"),
        (ROW0 + "ownershipNature/directOrIndirectOwnership/value", "E", ROW0 + "ownershipNature/directOrIndirectOwnership/value"),
        (ROW0 + "ownershipNature/directOrIndirectOwnership/value", "I", ROW0 + "ownershipNature/natureOfOwnership/value"),
        (ROW0 + "transactionAmounts/transactionShares/footnoteId", ["F2"], ROW0 + "transactionAmounts/transactionShares/footnoteId"),
        (ROW1 + "transactionAmounts/transactionShares/footnoteId", [], "footnotes/footnote[F1]"),
        ("ownerSignature[0]/signatureDate", "2024-13-02", "ownerSignature[0]/signatureDate"),
    ],
)
def test_validate_flags_one_problem(path, value, flagged):
    doc = set_path(base_doc(), path, value)
    warnings = validate(doc)
    assert [p for p, _ in warnings] == [flagged]
    assert all(w for _, w in warnings)


def test_validate_keeps_values():
    doc = set_path(base_doc(), "periodOfReport", "2024-04-02")
    before = copy.deepcopy(doc)
    validate(doc)
    assert doc == before


def test_disposal_may_leave_less_than_the_amount():
    doc = set_path(base_doc(), ROW1 + "postTransactionAmounts/sharesOwnedFollowingTransaction/value", "0")
    assert validate(doc) == []


def test_missing_period_of_report():
    doc = base_doc()
    del doc["periodOfReport"]
    assert [p for p, _ in validate(doc)] == ["periodOfReport"]


def test_indirect_with_nature_is_fine():
    doc = base_doc()
    nature = doc["nonDerivativeTable"]["nonDerivativeTransaction"][0]["ownershipNature"]
    nature["directOrIndirectOwnership"]["value"] = "I"
    nature["natureOfOwnership"] = {"value": "By Trust"}
    assert validate(doc) == []


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared samples absent")
@pytest.mark.parametrize("name", ["374WaterForm4.xml", "form4.Evans.xml", "alto-ingredients-form4-seed.xml"])
def test_real_filings_validate_clean(name):
    assert validate(ownership.parse((SAMPLES / name).read_bytes())) == []


@pytest.mark.parametrize(
    "text,kept",
    [
        ("P.O. Box 79098\n(Stréet)\nBaltimore MD 21210", "P.O. Box 79098\nBaltimore MD 21210"),  # label read along
        ("KANSAS CITY MO 64101", "KANSAS CITY MO 64101"),  # a city named like a label keeps its word
        ("5370 OCEAN STREET, SUITE 317", "5370 OCEAN STREET, SUITE 317"),
        ("(Last) (First) (Middle)", ""),
        ("| _(Middie) |\nC/O Sierra Medical, Inc.", "C/O Sierra Medical, Inc."),  # a label a letter off, its rule stubs
        ("| |\n4526 Lexington RD", "| |\n4526 Lexington RD"),  # no label taken: the line is not touched
    ],
)
def test_drop_labels(text, kept):
    labels = ["(Last)", "(First)", "(Middle)", "(Street)", "(City)", "(State)", "(Zip)"]
    assert drop_labels(text, labels) == kept


@pytest.mark.parametrize(
    "text,title",
    [
        ("Cammon Stack", "Common Stock"),  # fax misreads, one letter off each
        ("Employer Stack Option (Right to Buy)", "Employee Stock Option (Right to Buy)"),
        ("Perfurmance Stock Unlts", "Performance Stock Units"),  # two letters off a long word
        ("COMMON STOCK", "COMMON STOCK"),  # printed case kept
        ("By Falcon Cupitul Partners, L.P.", "By Falcon Capital Partners, L.P."),  # names stay
        ("Class B Common Stock", "Class B Common Stock"),
        ("Call Opuon (Right to Buy)", "Call Option (Right to Buy)"),  # two off a six-letter word, same start
        ("By Jason Smith", "By Jason Smith"),  # but a name two off a short word stays ("Son")
        ("Held by Charles Kowalski Revocable Trust", "Held by Charles Kowalski Revocable Trust"),  # not "Shares"
        ("Canvertihte Senior Notes", "Convertible Senior Notes"),  # three off a word of ten letters or more
        ("Perlurmance-Based Restricted Stock Units", "Performance-Based Restricted Stock Units"),  # part by part
        ("Cash-Settlod Equity Swap", "Cash-Settled Equity Swap"),  # a hyphenated lexicon word whole
        ("Performance Stock Unis", "Performance Stock Units"),  # one off two words: the first listed
        ("Warrant to Put hase Common Stock", "Warrant to Purchase Common Stock"),  # a word broken in two
        ("Common Stock, par value $0.001 pershare", "Common Stock, par value $0.001 per share"),  # run together
        ("Common Stock, par value $0,001 per share", "Common Stock, par value $0.001 per share"),
        ("Stock Option (Right ta Buy", "Stock Option (Right to Buy)"),  # the set phrase, with its bracket
        ("Put Option {obligation 1 buy}", "Put Option (obligation to buy)"),
        ("Stock Option Right to Buy", "Stock Option (Right to Buy)"),
        ("Put Option (Obligation to Sell)", "Put Option (Obligation to Sell)"),  # the nearest phrase wins
        ("Stock Appreciation Rights", "Stock Appreciation Rights"),
        ("Warrant to Purchase Common Stock", "Warrant to Purchase Common Stock"),
        ("See Footnote'!", "See Footnote"),  # specks after the last word
        ("Sec Footnote", "See Footnote"),
        ("Common Stock", "Common Stock"),
        # whole common titles, where a fax left a word too far from its own for the word list
        ("Conan Stock", "Common Stock"),
        ("Class A Comsunon Stock", "Class A Common Stock"),
        ("Pur Option (Obligation to Buy)", "Put Option (Obligation to Buy)"),
        ("Resuiced Stock Units", "Restricted Stock Units"),
        ("Common Stuth Warrants", "Common Stock Warrants"),
        # what stays: lexicon words a phrase does not hold, a shorter title, brackets
        ("Common Shares", "Common Shares"),
        ("Deferred Stock Units", "Deferred Stock Units"),
        ("Restricted Stock", "Restricted Stock"),
        ("Preferred Shares", "Preferred Shares"),
        ("Option to Purchase Common Stock", "Option to Purchase Common Stock"),
        ("Common Stock (restricted stock units)", "Common Stock (restricted stock units)"),
        ("Class 4 Common Stock", "Class 4 Common Stock"),
        ("Common Stock, par value $0.00t per share", "Common Stock, par value $0.001 per share"),
        ("Common Stock, par value $0.0O1", "Common Stock, par value $0.001"),
        ("Common Stock, par value $0.00T per share", "Common Stock, par value $0.001 per share"),
        # specks and faxed punctuation (rough and fax filings of seeds 1000-15000)
        ("Common Stock, par value $0.00] per share", "Common Stock, par value $0.001 per share"),
        ("Common Stock, $0,01 par value", "Common Stock, $0.01 par value"),
        ("Cash-Settles! Equity Swap", "Cash-Settled Equity Swap"),
        ("Cash. Settled Equity Swap", "Cash-Settled Equity Swap"),
        ("C.ash-Settled Equity Swap", "Cash-Settled Equity Swap"),
        ("Performance. Based Restricted Stock Units", "Performance-Based Restricted Stock Units"),
        ("Warrants (Right to Buy).", "Warrants (Right to Buy)"),
        ("Pre-Funded Warrants (Right Buy)", "Pre-Funded Warrants (Right to Buy)"),
        ("Class A Common Stock, $0.0001 par value", "Class A Common Stock, $0.0001 par value"),
    ],
)
def test_title_words_corrected_against_the_lexicon(text, title):
    assert parse_value(text, "title").value == title


@pytest.mark.parametrize(
    "text,name",
    [
        ("/si Matthew Walker", "/s/ Matthew Walker"),  # the photocopied "/s/" forms
        ("(s/ Kathleen Lynn Gomez", "/s/ Kathleen Lynn Gomez"),
        ("s/Emily B. Wang", "/s/Emily B. Wang"),
        ("Sid Jones", "Sid Jones"),  # a name starting with S is left alone
        ("isi Karen James Gomez", "/s/ Karen James Gomez"),  # rough and fax scans
        ("'sf Christine Ivanov", "/s/ Christine Ivanov"),
        ("/siGary T. Sullivan", "/s/Gary T. Sullivan"),
        ("Isla Parker", "Isla Parker"),  # a letter for the last slash only before a space
        ("ts/ Alexander M. Kowalski", "/s/ Alexander M. Kowalski"),  # faxed, the first slash cut short
        ("'fs! Ryan T. Watson", "/s/ Ryan T. Watson"),
        ("/s'Jason M. Lopez", "/s/Jason M. Lopez"),
        ("*/s/ Michael N. Reed", "/s/ Michael N. Reed"),  # a speck before the mark
        ("/s/. Jennifer E. Thomas", "/s/ Jennifer E. Thomas"),  # and after it
        ("(g/ William R. Ruiz", "/s/ William R. Ruiz"),
        ("{s/ Pamela L. Sanders", "/s/ Pamela L. Sanders"),
        ("és/ Brandon K. Cooper", "/s/ Brandon K. Cooper"),  # any one speck or letter for the first slash
        ("és/Timothy P. Davis", "/s/Timothy P. Davis"),
        ("i$! Hiroshi T. Taylor", "/s/ Hiroshi T. Taylor"),
        ("/s{ Jerry Bailey", "/s/ Jerry Bailey"),  # rough 15047
        ("'s Brandon H. Cox", "/s/ Brandon H. Cox"),  # rough 15032: both slashes lost
        ("Gus/ Ortiz", "Gus/ Ortiz"),  # no mark inside a longer word
    ],
)
def test_signature_mark_variants(text, name):
    assert parse_value(text, "signature").parts["signatureName"] == name


@pytest.mark.parametrize(
    "text,name",
    [
        ("/s/ M. R. Jones, Attorney-in-Fact for Trident Fund,LP", "/s/ M. R. Jones, Attorney-in-Fact for Trident Fund, LP"),
        ("/s/ Alexander S. Zhang, Attorney in Fact for David R. Young,", "/s/ Alexander S. Zhang, Attorney in Fact for David R. Young"),
        ("/s/ Mary Ortiz, Jr.", "/s/ Mary Ortiz, Jr."),  # a period that ends an abbreviation stays
        ("/s/ Mary Ortiz.", "/s/ Mary Ortiz"),
        ("/s/ Samantha B. 'Thomas", "/s/ Samantha B. Thomas"),  # a speck before a name
        ("/s/ Michelle M. O'Brien", "/s/ Michelle M. O'Brien"),
        ("/s/ Priya A. Sanchez,, Attorney-in-Fact", "/s/ Priya A. Sanchez, Attorney-in-Fact"),
        ("/s/ Nora Martin, Attorney in Fact for Kimberly R, Bailey", "/s/ Nora Martin, Attorney in Fact for Kimberly R. Bailey"),
        ("/s/ Claire Flores, Attorney. in Fact for Mary Ortiz", "/s/ Claire Flores, Attorney in Fact for Mary Ortiz"),
        ("/s/ Ingrid Roberts, attorney, in fact", "/s/ Ingrid Roberts, attorney in fact"),
        ("/s/ Giovanni T. Sanders, as Attomey-in-Fact", "/s/ Giovanni T. Sanders, as Attorney-in-Fact"),
        ("/s/ Ingrid B. King. Attorney-in-Fact", "/s/ Ingrid B. King, Attorney-in-Fact"),
        ("/s/ Alexander Alan Murphy.", "/s/ Alexander Alan Murphy"),
        ("/s/ Maria A. Rogers, Attorney: in-Fact for Rachel", "/s/ Maria A. Rogers, Attorney-in-Fact for Rachel"),
        ("/s/ Matthew E. King, as. Attorney-in-Fact", "/s/ Matthew E. King, as Attorney-in-Fact"),
        ("/s/ Ingrid F. Nakamura, ag Attorney-in-Fact", "/s/ Ingrid F. Nakamura, as Attorney-in-Fact"),
        ("/s/ Rajesh C. Roberts, Attorney-in+Fact for Timothy", "/s/ Rajesh C. Roberts, Attorney-in-Fact for Timothy"),
        ("/s/ Elizabeth L., Morris, as Attorney-in-Fact", "/s/ Elizabeth L. Morris, as Attorney-in-Fact"),  # rough 15042
        ("/s/ Patricia L, . Watson, Attorney-in-Fact", "/s/ Patricia L. Watson, Attorney-in-Fact"),  # rough 7012
        ("Crescent GP, LLC, By; /s/ Maria E. Myers, Managing Member", "Crescent GP, LLC, By: /s/ Maria E. Myers, Managing Member"),
        ("/s/Nora E. Nelson? Attorney in Fact for Ben Kowalski", "/s/Nora E. Nelson, Attorney in Fact for Ben Kowalski"),
        ("/s/ Andrew E. Lopez, Authorized Signatory for Meridian GP, LLG", "/s/ Andrew E. Lopez, Authorized Signatory for Meridian GP, LLC"),
        ("/s/ Donald E. Hughes, Authorized Signatory for Falcon Partners LLG", "/s/ Donald E. Hughes, Authorized Signatory for Falcon Partners LLC"),
        ("/s/ Francesca B. Moore, Authorized Signatory for Granite Associates, L.L,C,", "/s/ Francesca B. Moore, Authorized Signatory for Granite Associates, L.L.C."),
        # what stays: abbreviations, names near a capacity word, a plural
        ("/s/ John Smith, Jr.", "/s/ John Smith, Jr."),
        ("/s/ Cedar Fund III, L.P.", "/s/ Cedar Fund III, L.P."),
        ("Cedar Fund III, L.P., By: /s/ Ann Lee", "Cedar Fund III, L.P., By: /s/ Ann Lee"),
        ("/s/ Mark Parker, Trustee", "/s/ Mark Parker, Trustee"),
        ("Windward Partners LLC, By: /s/ Barbara Foster, Managing Member",
         "Windward Partners LLC, By: /s/ Barbara Foster, Managing Member"),
    ],
)
def test_signature_specks_and_faxed_punctuation(text, name):
    assert parse_value(text, "signature").parts["signatureName"] == name


@pytest.mark.parametrize("text,city,state,zip_code,ok", [
    ("Greenwich CT 06850", "Greenwich", "CT", "06850", True),
    ("ST. LOUIS MQ 63123-6375", "ST. LOUIS", "MO", "63123-6375", True),  # a faxed O
    ("BALTIMORE MD 21201", "BALTIMORE", "MD", "21201", True),  # a code as read stays
    ("NY\n14289", None, "NY", "14289", False),  # the city lost: flagged, the state still known
    ("HOUSTON TA 77069", "HOUSTON", "TX", "77069", False),  # no USPS code: the zip's state, flagged
    ("HOUSTON TA", "HOUSTON", "TA", None, False),  # no zip to tell: kept as read, flagged
    ("40231", None, "KY", "40231", False),
    ("ORLANDO FI 32801", "ORLANDO", "FL", "32801", False),  # fax 13004
    ("Denver CA 80201", "Denver", "CO", "80201", False),  # one letter off the zip's state (fax 15024)
    ("Dallas CA 75201", "Dallas", "CA", "75201", False),  # two letters off: kept, flagged
    ('Rochester "NY 14604', "Rochester", "NY", "14604", True),  # a speck glued to the state (rough 13007)
    ("SANDIEGO CA 92101", "SAN DIEGO", "CA", "92101", True),  # a fax closed the space (15044)
    ("AnnArbor MI 48104", "Ann Arbor", "MI", "48104", True),
    ("Annapolis MD 21401", "Annapolis", "MD", "21401", True),
])
def test_state_checked_against_usps_codes(text, city, state, zip_code, ok):
    got = parse_value(text, "city_state_zip")
    assert got.parts == {"rptOwnerCity": city, "rptOwnerState": state, "rptOwnerZipCode": zip_code}
    assert got.ok == ok


def test_relationship_texts_keep_their_words_and_set_their_phrases():
    # a fax's "See" read "Sce"; an officer title's words are never pulled to a word list
    assert parse_value("Sce Explanation of Responses", "relationship").value == "See Explanation of Responses"
    assert parse_value("Sec Remarks", "relationship").value == "See Remarks"
    for title in ("President, North American Operations", "SVP, Global Sales and Marketing"):
        assert parse_value(title, "relationship").value == title


def test_word_confusions_in_names_and_signature_initials():
    assert parse_value("Gray_Emily", "text").value == "Gray Emily"  # an underline's remnant
    assert parse_value("WRIGHT RICHARD §", "text").value == "WRIGHT RICHARD S"
    assert parse_value("Williams Hiroshi $", "text").value == "Williams Hiroshi S"
    assert parse_value("Common Stock, $0.01 par value", "title").value == "Common Stock, $0.01 par value"
    assert parse_value("Preferred $ 0.01", "title").value == "Preferred $ 0.01"
    assert parse_value("/s/ Richard 5. Wright", "signature").parts["signatureName"] == "/s/ Richard S. Wright"
    assert parse_value("/s/ Richard 5, 2024", "signature").parts["signatureName"] != "/s/ Richard S, 2024"
    assert parse_value("5 Main St", "text").value == "5 Main St"


def test_a_unit_number_the_box_wrapped_joins_its_street_line():
    from ocr.parse import street_lines

    assert street_lines(["8358 North Sand Hill Boulevard, Suite", "23"]) == ["8358 North Sand Hill Boulevard, Suite 23"]
    assert street_lines(["1 Main Street", "23"]) == ["1 Main Street", "23"]
    assert street_lines(["P.O. Box", "14546"]) == ["P.O. Box 14546"]


def test_signature_phrases_word_for_word():
    signed = lambda text: parse_value(text, "signature").parts["signatureName"]  # noqa: E731
    assert signed("/s/Eric T. Bailey, attorney in fact fer Amanda Shah") == "/s/Eric T. Bailey, attorney in fact for Amanda Shah"
    assert signed("/s/ Ann Lee, Attorney-in-Fact for Bob Lee") == "/s/ Ann Lee, Attorney-in-Fact for Bob Lee"


@pytest.mark.parametrize("text,title", [
    ("Ry Spouse", "By Spouse"),  # a faxed B
    ("hy Foundation", "by Foundation"),
    ("RY REVOCABLE TRUST", "BY REVOCABLE TRUST"),
    ("Of Trust", "Of Trust"),  # a lexicon word stays
    ("Common Stock", "Common Stock"),
])
def test_a_titles_short_first_word(text, title):
    assert parse_value(text, "title").value == title


@pytest.mark.parametrize("text,reference,repaired", [
    ("04/31/2024", "2024-01-29", "2024-01-31"),  # a 1 read as 4: April has no 31st
    ("92/21/2014", "2014-02-19", "2014-02-21"),  # 02 and 12 are both one digit off: February is nearer
    ("01/31/2024", "2024-01-29", None),  # a possible date is left as read
    ("16/9/2024", "2024-05-09", None),  # no eight-digit date
    ("13/45/2024", "2024-01-01", None),  # two digits off
    ("04/31/2024", "2019-01-29", None),  # nothing within reach of the reference
])
def test_nearest_date(text, reference, repaired):
    assert nearest_date(text, reference, 366) == repaired


@pytest.mark.parametrize("text,title", [
    ("Class 8 Common Stock", "Class B Common Stock"),  # a rough scan's B
    ("CLASS 8 COMMON STOCK", "CLASS B COMMON STOCK"),
    ("Class 1 Ordinary Shares", "Class 1 Ordinary Shares"),  # a class that is a number stays
])
def test_a_share_class_letter_read_as_a_digit(text, title):
    assert parse_value(text, "title").value == title


@pytest.mark.parametrize("text,name", [
    ("Gutierrez BarbaraA", "Gutierrez Barbara A"),  # the underline closed the space before the initial
    ("McDonald Ronald", "McDonald Ronald"),  # a capital inside a name stays
    ("DeShawn Jones", "DeShawn Jones"),
])
def test_a_run_on_middle_initial(text, name):
    assert parse_value(text, "text").value == name


def test_rule_level_slips_of_rough_scans():
    assert parse_value("c/q) 374Water Software, Inc.", "street").value == "c/o 374Water Software, Inc."
    assert parse_value("cio Ionic Bancorp Inc", "street").value == "c/o Ionic Bancorp Inc"
    assert parse_value("Cinco Ranch Rd", "street").value == "Cinco Ranch Rd"
    assert parse_value("TURNER SANDRA RAMASWAMY.", "text").value == "TURNER SANDRA RAMASWAMY"  # a speck
    assert parse_value("Smith John Jr.", "text").value == "Smith John Jr."  # an abbreviation keeps it
    assert split_joined("EVPPossible member of 13(d) group") == ("EVP", "Possible member of 13(d) group")
    assert split_joined("McKinsey Partner") == ("McKinsey Partner", None)


def test_a_bracketed_part_read_again_replaces_the_first():
    from ocr.parse import with_bracketed

    assert with_bracketed("Unity Brands Inc [ UAT ]", "UAI") == "Unity Brands Inc [ UAI ]"
    assert with_bracketed("Onyx Minerals Ltd [ On J", "ON") == "Onyx Minerals Ltd [ ON ]"
    assert with_bracketed("Macy's Inc", "M") == "Macy's Inc [ M ]"  # no bracket read: the apostrophe is none


@pytest.mark.parametrize("text,right", [
    ("Chiel Executive Otticer and Director", "Chief Executive Officer and Director"),  # fax 15049, 5029
    ("the reporting person is a directur of the issuer by deputizaton.", "the reporting person is a director of the issuer by deputization."),
    ("of its pecuntary interest therein.", "of its pecuniary interest therein."),
    ("this ameadment is being tiled solely", "this amendment is being tiled solely"),  # "tiled" is a word
    ("the shares vest and become exercisable", "the shares vest and become exercisable"),
    # what stays: names, a word as near two prose words, short words
    ("Shares held by Mr. Chen and Ms. Parr in the Brant Family Trust", "Shares held by Mr. Chen and Ms. Parr in the Brant Family Trust"),
    ("the issuee", "the issuee"),
    ("power ot attorney", "power ot attorney"),
])
def test_footnote_and_remark_words_set_right(text, right):
    from ocr.parse import correct_prose
    assert correct_prose(text) == right
