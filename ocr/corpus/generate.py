"""Seeded generator of realistic Form 4 filings, as ownershipDocument plain data.

The corpus is only worth its accuracy figures if its ground truth exercises every printed
box the way real filings do: long wrapping titles, C/O address lines, indirect holdings,
footnote-only cells, fractional shares, blank prices, amendments. One ``random.Random(seed)``
drives everything, so a seed always gives the same filing and the same XML bytes.
Word lists live in ``vocabulary.json``.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

LAYOUTS = ("2023", "pre2023")
MAX_FOOTNOTES = 8
OFFICER_TITLE_MAX = 50  # the v3 spec says 30, but EDGAR accepts and prints longer titles
OTHER_TEXT_MAX = 50
STREET_MAX = 40
SIGNATURE_MAX = 255


@lru_cache(maxsize=None)
def vocabulary() -> dict[str, Any]:
    """Name lists, places, issuers, titles and footnote sentences (data file)."""
    return json.loads(resources.files("ocr.corpus").joinpath("vocabulary.json").read_text())


def _valued(value: str | None, ids: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if value is not None:
        out["value"] = value
    if ids:
        out["footnoteId"] = ids
    return out


def _iso(d: date) -> str:
    return d.isoformat()


def _business_day(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _long_date(d: date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year}"


def _decimal(x: float, places: int) -> str:
    """Fixed-point text as filers type it (no exponent, no thousands separator)."""
    return f"{x:.{places}f}"


class _Filing:
    """Builds one filing; holds the random stream, the footnote list and the running balances."""

    def __init__(self, rng: random.Random, layout: str) -> None:
        self.rng = rng
        self.layout = layout
        self.vocab = vocabulary()
        self.notes: list[str] = []
        self.max_notes = rng.choices(range(MAX_FOOTNOTES + 1), weights=[8, 20, 18, 14, 10, 8, 6, 4, 4])[0]
        self.issuer_name = ""
        self.entity = ""
        self.base_price = 0.0
        self.aff10b5 = False
        self.start = date.min
        self.tx_dates: list[date] = []

    # ----- small pieces -------------------------------------------------------------------
    def pick(self, items: list[Any]) -> Any:
        return self.rng.choice(items)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def shares(self) -> str:
        """A share count: mostly whole, sometimes with 1-4 decimals (5381.2, 1234.5678)."""
        whole = int(10 ** self.rng.uniform(1, 6))
        if self.chance(0.15):
            return _decimal(whole + self.rng.random(), self.rng.randint(1, 4)).rstrip("0").rstrip(".")
        return str(whole)

    def price(self) -> str:
        """A market price near the issuer's base price with 2-4 decimals."""
        p = self.base_price * (1 + self.rng.uniform(-0.04, 0.04))
        return _decimal(max(p, 0.01), self.pick([2, 2, 2, 3, 4]))

    def tx_date(self) -> date:
        d = _business_day(self.start + timedelta(days=self.rng.randint(0, 4)))
        self.tx_dates.append(d)
        return d

    def fill(self, template: str) -> str:
        """Fill a sentence's placeholders with plausible values."""
        d = self.start + timedelta(days=self.rng.randint(-900, 400))
        low = self.base_price * self.rng.uniform(0.95, 0.99)
        return template.format(
            issuer=self.issuer_name, entity=self.entity, year=d.year, date=_long_date(d),
            n=self.rng.randint(2, 5), shares=f"{self.rng.randint(10, 9999):,}",
            low=f"{low:.2f}", high=f"{low * self.rng.uniform(1.01, 1.05):.2f}", price=f"{self.base_price:.2f}",
        )

    # ----- footnotes ----------------------------------------------------------------------
    def footnote(self, kind: str) -> list[str]:
        """Ids for one footnote mark: a new footnote of this kind, or one already written."""
        if len(self.notes) < self.max_notes and (not self.notes or self.chance(0.7)):
            templates = [self.pick(self.vocab["footnotes"][kind])]
            for _ in range(self.rng.choices([0, 1, 2], weights=[6, 3, 1])[0]):
                templates.append(self.pick(self.vocab["footnotes"][self.pick([kind, "general"])]))
            self.notes.append(" ".join(self.fill(t) for t in dict.fromkeys(templates)))
            ids = [f"F{len(self.notes)}"]
        elif self.notes:
            ids = [f"F{self.rng.randint(1, len(self.notes))}"]
        else:
            return []
        if self.chance(0.12) and len(self.notes) > 1:  # "(1)(2)" on one value
            other = f"F{self.rng.randint(1, len(self.notes))}"
            ids = sorted(set(ids + [other]), key=lambda i: int(i[1:]))
        return ids

    def maybe_note(self, p: float, kind: str = "general") -> list[str]:
        return self.footnote(kind) if self.chance(p) else []

    def value(self, text: str | None, p: float = 0.04, kind: str = "general") -> dict[str, Any]:
        return _valued(text, self.maybe_note(p, kind))

    # ----- header boxes -------------------------------------------------------------------
    def person(self) -> tuple[str, str]:
        """(name as EDGAR prints it, name as the person signs)."""
        v = self.vocab
        first, last = self.pick(v["first_names"]), self.pick(v["last_names"])
        middle = self.pick(v["middle_names"]) if self.chance(0.75) else ""
        suffix = self.pick(v["name_suffixes"]) if self.chance(0.05) else ""
        printed = " ".join(x for x in (last, first, middle, suffix) if x)
        if self.chance(0.65):
            printed = printed.upper().replace(".", "")
        mid = f"{middle}." if len(middle) == 1 else middle
        signed = " ".join(x for x in (first, mid, last) if x) + (f", {suffix}" if suffix else "")
        return printed, signed

    def entity_name(self) -> str:
        v = self.vocab
        return self.pick(v["entity_patterns"]).format(
            word=self.pick(v["entity_words"]), last=self.pick(v["last_names"]), first=self.pick(v["first_names"]))

    def issuer(self) -> dict[str, Any]:
        v = self.vocab
        word = self.pick(v["issuer_words"])
        name = f"{word} {self.pick(v['issuer_kinds'])}"
        if self.chance(0.35):
            name = name.upper().replace(",", "").replace(".", "")
        self.issuer_name = name
        letters = [c for c in name.upper() if c.isalpha()]
        keep = sorted(self.rng.sample(range(1, len(letters)), k=min(len(letters) - 1, self.rng.randint(1, 3))))
        ticker = letters[0] + "".join(letters[i] for i in keep)
        return {"issuerCik": f"{self.rng.randint(1000, 2099999):010d}", "issuerName": name, "issuerTradingSymbol": ticker}

    def street(self) -> str:
        v = self.vocab
        return self.pick(v["one_line_addresses"]).format(
            num=self.rng.randint(1, 9999), prefix=self.pick(v["street_prefixes"]), name=self.pick(v["street_names"]),
            type=self.pick(v["street_types"]), n=self.rng.randint(100, 4999), p=self.rng.randint(10, 99999))

    def address(self) -> dict[str, Any]:
        v = self.vocab
        style = self.rng.choices(["co", "unit", "one", "one_empty"], weights=[3, 3, 3, 1])[0]
        if style == "co":
            lines = [f"C/O {self.issuer_name}", self.street()]
        elif style == "unit":
            lines = [self.street().split(",")[0], self.pick(v["unit_patterns"]).format(
                n=self.rng.randint(100, 4999), f=self.rng.randint(4, 60), b=self.pick("ABCD"), p=self.rng.randint(10, 99999))]
        else:
            lines = [self.street()] + ([""] if style == "one_empty" else [])
        city, state, prefix = self.pick(v["places"])
        zipcode = f"{prefix}{self.rng.randint(0, 99):02d}"
        if self.chance(0.3):
            zipcode += f"-{self.rng.randint(0, 9999):04d}"
        upper = self.chance(0.7)
        lines = [line.upper() if upper else line for line in lines]
        out: dict[str, Any] = {"rptOwnerStreet1": lines[0][:STREET_MAX]}
        if len(lines) > 1:
            out["rptOwnerStreet2"] = lines[1][:STREET_MAX]
        out.update(rptOwnerCity=city.upper() if upper else city, rptOwnerState=state, rptOwnerZipCode=zipcode)
        if self.chance(0.3):
            out["rptOwnerStateDescription"] = ""
        return out

    def relationship(self, is_entity: bool) -> dict[str, Any]:
        v = self.vocab
        roles = ["isDirector", "isTenPercentOwner", "isOther"] if is_entity else ["isDirector", "isOfficer", "isTenPercentOwner", "isOther"]
        chosen = {r for r in roles if self.chance(0.35)} or {self.pick(roles)}
        out: dict[str, Any] = {}
        explicit_false = self.chance(0.5)
        for role in ("isDirector", "isOfficer", "isTenPercentOwner", "isOther"):
            if role in chosen:
                out[role] = "true"
            elif explicit_false:
                out[role] = "false"
        if "isOfficer" in chosen:
            pool = v["officer_titles_long"] if self.chance(0.4) else v["officer_titles_short"]
            out["officerTitle"] = self.pick(pool)[:OFFICER_TITLE_MAX]
        if "isOther" in chosen:
            out["otherText"] = self.pick(v["other_texts"])[:OTHER_TEXT_MAX]
        return out

    # ----- tables -------------------------------------------------------------------------
    def ownership(self, p_indirect: float) -> dict[str, Any]:
        if not self.chance(p_indirect):
            return {"directOrIndirectOwnership": self.value("D", 0.02)}
        nature = self.pick(self.vocab["nature_of_ownership"]).format(entity=self.entity)
        see = nature.lower().startswith("see")
        return {"directOrIndirectOwnership": self.value("I", 0.03),
                "natureOfOwnership": _valued(nature, self.footnote("indirect") if see else self.maybe_note(0.3, "indirect"))}

    def price_cell(self, kind: str) -> dict[str, Any] | None:
        """transactionPricePerShare for a price kind: market, zero, none (blank or footnote only) or any."""
        if kind == "any":
            kind = self.pick(["market", "zero", "none"])
        if kind == "market":
            return self.value(self.price(), 0.2, "price")
        if kind == "zero":
            return self.value("0", 0.03)
        ids = self.maybe_note(0.3)
        return _valued(None, ids) if ids else None

    def direction(self, code: str) -> str:
        d = self.vocab["codes"][code]["dir"]
        return self.pick(["A", "D"]) if d == "AD" else d

    def table1(self) -> dict[str, Any]:
        codes = self.vocab["codes"]
        n_rows = self.rng.choices(range(13), weights=[6, 30, 18, 10, 7, 5, 4, 3, 3, 2, 2, 2, 2])[0]
        n_hold = min(n_rows, self.rng.choices([0, 1, 2, 3], weights=[6, 3, 1, 1])[0])
        main = self.pick(self.vocab["security_titles"])
        balance = float(self.shares()) * 3
        transactions = []
        for _ in range(n_rows - n_hold):
            code = self.rng.choices(list(codes), weights=[c["weight"] for c in codes.values()])[0]
            direction = self.direction(code)
            shares = self.shares()
            balance = balance + float(shares) if direction == "A" else max(balance - float(shares), 0.0)
            shares_kind = "withholding" if code == "F" else "plan" if code == "S" and self.aff10b5 else "general"
            coding: dict[str, Any] = {"transactionFormType": "4", "transactionCode": code,
                                      "equitySwapInvolved": "true" if self.chance(0.06) else "false"}
            coding_ids = self.maybe_note(0.04)
            if coding_ids:
                coding["footnoteId"] = coding_ids
            d = self.tx_date()
            row: dict[str, Any] = {
                "securityTitle": self.value(main if self.chance(0.8) else self.pick(self.vocab["security_titles"])),
                "transactionDate": self.value(_iso(d), 0.02),
            }
            if self.chance(0.05):
                row["deemedExecutionDate"] = self.value(_iso(d + timedelta(days=self.rng.randint(0, 2))), 0.2)
            amounts: dict[str, Any] = {"transactionShares": self.value(shares, 0.15 if shares_kind != "general" else 0.06, shares_kind)}
            price = self.price_cell(codes[code]["price"])
            if price is not None:
                amounts["transactionPricePerShare"] = price
            amounts["transactionAcquiredDisposedCode"] = self.value(direction, 0.01)
            row.update(transactionCoding=coding, transactionAmounts=amounts,
                       postTransactionAmounts={"sharesOwnedFollowingTransaction": self.value(self.share_text(balance), 0.06)},
                       ownershipNature=self.ownership(0.25))
            transactions.append(row)
        holdings = [{"securityTitle": self.value(self.pick(self.vocab["security_titles"]) if self.chance(0.3) else main),
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": self.value(self.shares(), 0.1)},
                     "ownershipNature": self.ownership(0.75)} for _ in range(n_hold)]
        out: dict[str, Any] = {}
        if transactions:
            out["nonDerivativeTransaction"] = transactions
        if holdings:
            out["nonDerivativeHolding"] = holdings
        return out

    @staticmethod
    def share_text(x: float) -> str:
        text = f"{x:.4f}".rstrip("0").rstrip(".")
        return text or "0"

    def date_or_note(self, d: date | None, p_note_only: float, kind: str) -> dict[str, Any] | None:
        """A date cell, a footnote-only cell (the footnote explains the schedule), or nothing."""
        if self.chance(p_note_only):
            ids = self.footnote(kind)
            if ids:
                return _valued(None, ids)
        return self.value(_iso(d), 0.05, kind) if d else None

    def derivative_row(self, holding: bool) -> dict[str, Any]:
        v = self.vocab
        spec = self.pick(v["derivatives"])
        kind = spec["kind"]
        start = self.start - timedelta(days=self.rng.randint(0, 2000) if holding else 0)
        row: dict[str, Any] = {"securityTitle": self.value(self.pick(spec["titles"]), 0.05)}
        if kind == "rsu":
            conv = (_valued(None, self.footnote("vesting")) if self.chance(0.6) else None) or self.value("0", 0.05)
            exercise = self.date_or_note(start + timedelta(days=365) if self.chance(0.3) else None, 0.6, "vesting")
            expiration = self.date_or_note(None, 0.6, "vesting")
        else:
            conv = self.value(self.price(), 0.08, "exercise")
            if kind == "convertible" and self.chance(0.4):
                conv = _valued(None, self.footnote("exercise")) or conv
            expire_on = start + timedelta(days=365 * spec["years"] - 1) if spec["years"] else None
            exercise = self.date_or_note(start + timedelta(days=365) if self.chance(0.7) else None, 0.4,
                                         "vesting" if kind == "option" else "exercise")
            expiration = self.date_or_note(expire_on, 0.15, "exercise")
        if conv:
            row["conversionOrExercisePrice"] = conv
        amount = self.shares().split(".")[0]
        if not holding:
            code = self.pick(spec["codes"])
            direction = self.direction(code)
            d = self.tx_date()
            row["transactionDate"] = self.value(_iso(d), 0.02)
            if self.chance(0.04):
                row["deemedExecutionDate"] = self.value(_iso(d + timedelta(days=1)))
            row["transactionCoding"] = {"transactionFormType": "4", "transactionCode": code,
                                        "equitySwapInvolved": "true" if self.chance(0.05) else "false"}
            amounts: dict[str, Any] = {"transactionShares": self.value(amount, 0.12, "vesting")}
            price = self.price_cell(self.vocab["codes"][code]["price"] if kind != "rsu" else "zero")
            if price is not None:
                amounts["transactionPricePerShare"] = price
            amounts["transactionAcquiredDisposedCode"] = self.value(direction, 0.01)
            row["transactionAmounts"] = amounts
        if exercise:
            row["exerciseDate"] = exercise
        if expiration:
            row["expirationDate"] = expiration
        ratio = self.rng.choice([1, 1, 1, 2, 10]) if kind == "convertible" else 1
        row["underlyingSecurity"] = {
            "underlyingSecurityTitle": self.value(self.pick(v["security_titles"][:6]), 0.03),
            "underlyingSecurityShares": self.value(str(int(amount) * ratio), 0.05, "exercise"),
        }
        after = int(amount) * self.rng.choice([0, 1, 1, 2, 3]) if not holding else int(amount)
        row["postTransactionAmounts"] = {"sharesOwnedFollowingTransaction": self.value(str(after), 0.05)}
        row["ownershipNature"] = self.ownership(0.2)
        return row

    def table2(self) -> dict[str, Any]:
        n_rows = self.rng.choices(range(7), weights=[40, 30, 12, 7, 5, 3, 3])[0]
        n_hold = min(n_rows, self.rng.choices([0, 1, 2], weights=[7, 2, 1])[0])
        out: dict[str, Any] = {}
        transactions = [self.derivative_row(False) for _ in range(n_rows - n_hold)]
        holdings = [self.derivative_row(True) for _ in range(n_hold)]
        if transactions:
            out["derivativeTransaction"] = transactions
        if holdings:
            out["derivativeHolding"] = holdings
        return out

    # ----- the filing ---------------------------------------------------------------------
    def signature(self, signed: str, is_entity: bool, owner: str) -> str:
        v = self.vocab
        agent = f"{self.pick(v['first_names'])} {self.pick(v['middle_names'])[0]}. {self.pick(v['last_names'])}"
        if is_entity:
            forms = [f"/s/ {agent}, Authorized Signatory for {owner}", f"{owner}, By: /s/ {agent}, Managing Member",
                     f"/s/ {agent}, Attorney-in-Fact for {owner}"]
        else:
            forms = [f"/s/ {signed}", f"/s/ {signed}", f"/s/{signed}", f"/s/ {agent}, Attorney-in-Fact for {signed}",
                     f"/s/{agent}, Attorney in Fact for {signed}", f"/s/ {agent}, as Attorney-in-Fact"]
        return self.pick(forms)[:SIGNATURE_MAX]

    def build(self) -> dict[str, Any]:
        rng, v = self.rng, self.vocab
        lo, hi = (date.fromisoformat(x) for x in v["layout_dates"][self.layout])
        self.start = _business_day(lo + timedelta(days=rng.randint(0, (hi - lo).days)))
        self.base_price = 10 ** rng.uniform(-0.7, 2.7)
        self.aff10b5 = self.layout == "2023" and self.chance(0.25)
        amendment = self.chance(0.12)
        doc: dict[str, Any] = {"schemaVersion": self.pick(v["schema_versions"][self.layout]),
                               "documentType": "4/A" if amendment else "4"}
        if self.chance(0.6):
            doc["notSubjectToSection16"] = "true" if self.chance(0.15) else "false"
        doc["issuer"] = self.issuer()
        is_entity = self.chance(0.2)
        if is_entity:
            printed = signed = self.entity_name()
            if self.chance(0.4):
                printed = printed.upper()
        else:
            printed, signed = self.person()
        self.entity = self.entity_name()
        doc["reportingOwner"] = [{
            "reportingOwnerId": {"rptOwnerCik": f"{rng.randint(1000000, 2099999):010d}", "rptOwnerName": printed},
            "reportingOwnerAddress": self.address(),
            "reportingOwnerRelationship": self.relationship(is_entity),
        }]
        if self.layout == "2023":
            doc["aff10b5One"] = "true" if self.aff10b5 else "false"
        table1, table2 = self.table1(), self.table2()
        if table1:
            doc["nonDerivativeTable"] = table1
        if table2:
            doc["derivativeTable"] = table2
        if self.notes:
            doc["footnotes"] = {"footnote": [{"id": f"F{i}", "text": t} for i, t in enumerate(self.notes, 1)]}
        if self.chance(0.2):
            doc["remarks"] = self.pick(v["remarks"]) if self.chance(0.75) else ""
        first = min(self.tx_dates, default=self.start)
        signed_on = _business_day(max(self.tx_dates, default=self.start) + timedelta(days=rng.randint(0, 2)))
        doc["periodOfReport"] = _iso(first)
        if amendment:
            doc["dateOfOriginalSubmission"] = _iso(signed_on)
            signed_on = _business_day(signed_on + timedelta(days=rng.randint(3, 90)))
        doc["ownerSignature"] = [{"signatureName": self.signature(signed, is_entity, printed),
                                  "signatureDate": _iso(signed_on)}]
        return doc


def generate_filing(seed: int, layout: str | None = None) -> dict[str, Any]:
    """A realistic Form 4 as ownershipDocument plain data; the same seed gives the same filing.

    ``layout`` is "2023" (with aff10b5One, dates from April 2023) or "pre2023" (without it,
    dates 2005 to March 2023); None picks one from the seed.
    """
    rng = random.Random(seed)
    picked = rng.choice(LAYOUTS)  # drawn always, so an explicit layout keeps the rest of the stream
    layout = layout or picked
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {layout!r}")
    return _Filing(rng, layout).build()
