"""Contact and payment details and reference numbers out of a text, by offline regular
expressions (Presidio's own recognisers for these are regular expressions too, and no NER model
may be downloaded at run time): e-mail addresses, URLs, payment card numbers (Luhn-checked),
phone numbers, order/account-style reference numbers, street addresses, UK postcodes and dates
of birth (a date after words that say so).

A UK postcode is one in capitals as written on an envelope ("SW1A 1AA", "M1 1AE", "LS6 2AB",
"B12 3XY", with or without its space), held tighter than its shape so that device specs and model
numbers are kept:

- its outward code starts with one of the UK's postcode areas (Royal Mail's list, BF for BFPO,
  and GIR 0AA): "A1 2TB" or "X1 2AB" is no postcode;
- its inward code's letters are never C, I, K, M, O or V (Royal Mail uses none of them);
- an inward code that reads as a size, a digit then GB or TB ("M1 8GB": a laptop's chip and
  memory), is a postcode only after a word in its sentence that says an address is meant
  ("postcode", "address", "live", "moved", a capitalised street word, an address hidden before).

Its limits: a postcode in lower case, an outward code alone ("LS6") and one ending in GB or TB
said with no such word ("it's M1 8GB, Manchester") are kept; a model number with a real
postcode's shape ("E5 2XL") is hidden."""

from __future__ import annotations

import re

EMAIL, PHONE, CARD, URL, ID, NAME = "[email]", "[phone]", "[card]", "[url]", "[id]", "[name]"
ADDRESS, POSTCODE, BIRTH = "[address]", "[postcode]", "[date of birth]"

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# A URL ends before trailing punctuation: "see www.x.com, then" keeps its comma.
# A bare domain followed by a path ("facebook.com/sarah.jones.5", "instagram.com/zoeoneill") is a
# URL too: profile links carry names.
_URL = re.compile(
    r"\b(?:https?://|www\.|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}/)"
    r"[^\s<>\"'\[\]]*[^\s<>\"'\[\].,;:!?)]",
    re.IGNORECASE,
)
_URL_HINT = re.compile(r"://|www\.|\.[a-z]{2,6}/", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    # +44 20 7946 0958, 0044 20 7946 0958
    r"(?:\+|00)\d{1,3}[\s.-]?(?:\(0?\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,13}"
    r"|(?:\(0\d{2,4}\)|0\d{2,4})[\s.-]?\d{3,6}(?:[\s.-]?\d{3,4})?"  # 07700 900123, (020) 7946 0958
    r"|(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"  # (555) 123-4567, 555.123.4567
    r")(?!\w)"
)
# A reference number after a word that says what it is: "order no. HH-48213", "account 1234567",
# "my account number is ACC-553201", "order reference is HH-99120", and as people say them, with
# a comma, a dash, a pause or a filler: "with the order number, HH-4471902, …", "the booking
# reference was, um, BK-99172", "confirmation code — XK-7781".
_ID = re.compile(
    r"\b(?P<what>(?:order|ref(?:erence)?|account|acct|booking|tracking|invoice|customer|"
    r"membership|member|case|ticket|claim|policy|confirmation|receipt|reservation|transaction)"
    r"(?:\s+(?:no\.?|number|num|id|code|ref(?:erence)?))?(?:\s+(?:is|was))?"
    r"(?:\s*(?:[:#,—–-]|…|\.\.\.)|\s+(?:um+|uh+|erm+|er|like)\b)*\s*)"
    r"(?P<id>#?[A-Z0-9][A-Z0-9/-]{3,}[A-Z0-9])\b",
    re.IGNORECASE,
)
_PHONE_DIGITS = range(9, 16)
# A house number and one to three capitalised words before a street word: "14 Rose Lane",
# "221B Baker Street", "1600 Pennsylvania Avenue" (not "£129 Oak Road", a price before a name).
_STREETS = (
    "Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Drive|Dr|Close|Way|Crescent|Court|Ct|Place|Pl|"
    "Terrace|Gardens|Grove|Boulevard|Blvd|Square|Sq|Row|Mews|Parade|Walk"
)
_ADDRESS = re.compile(
    rf"(?<![\w£$€.,/-])\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){{1,3}}(?:{_STREETS})\b\.?"
)
# The postcode areas in use (module docstring: the postcode rule and its limits).
_AREAS = (
    "AB|AL|B|BA|BB|BD|BF|BH|BL|BN|BR|BS|BT|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL|DN|"
    "DT|DY|E|EC|EH|EN|EX|FK|FY|G|GL|GU|GY|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|JE|KA|KT|KW|KY|L|"
    "LA|LD|LE|LL|LN|LS|LU|M|ME|MK|ML|N|NE|NG|NN|NP|NR|NW|OL|OX|PA|PE|PH|PL|PO|PR|RG|RH|RM|S|SA|"
    "SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|TA|TD|TF|TN|TQ|TR|TS|TW|UB|W|WA|WC|WD|WF|WN|WR|WS|"
    "WV|YO|ZE"
)
_POSTCODE = re.compile(
    rf"(?<![\w-])(?:(?:{_AREAS})\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{{2}}(?![\w-])"
)
_SIZE = re.compile(r"\d[GT]B$")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_ADDRESS_WORDS = re.compile(
    r"\b(?:post\s?code|postal\s+code|address|liv(?:e[sd]?|ing)|moved)\b|\[address\]"
    rf"|\b(?-i:{_STREETS})\b",
    re.IGNORECASE,
)
# A full date after words that say it is a birth date ("date of birth, 12/03/1988", "DOB is on
# file as 12 March 1988", "born on March 12, 1988"); any other date is kept.
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_BIRTH = re.compile(
    r"(?P<what>\b(?:date\s+of\s+birth|birth\s?date|birthday|DOB|D\.O\.B\.?|born(?:\s+on)?)"
    r"(?:\s+(?:is|was))?(?:\s+on\s+file)?(?:\s+as)?[\s:,–—-]*)"
    rf"(?P<date>{_DATE})(?!\d)",
    re.IGNORECASE,
)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for n, ch in enumerate(reversed(digits)):
        d = int(ch)
        if n % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _card(match: re.Match[str]) -> str:
    digits = _digits(match[0])
    return CARD if 13 <= len(digits) <= 19 and luhn_ok(digits) else match[0]


def _phone(match: re.Match[str]) -> str:
    return PHONE if len(_digits(match[0])) in _PHONE_DIGITS else match[0]


def _postcode(match: re.Match[str]) -> str:
    if not _SIZE.search(match[0]):
        return POSTCODE
    before = match.string[: match.start()]
    ends = [m.end() for m in _SENTENCE_END.finditer(before)]
    return POSTCODE if _ADDRESS_WORDS.search(before[ends[-1] if ends else 0 :]) else match[0]


def _reference(match: re.Match[str]) -> str:
    # "order 12" or "account settings" are not references: demand a few digits.
    return f"{match['what']}{ID}" if len(_digits(match["id"])) >= 4 else match[0]


def redact_pii(text: str) -> str:
    """``text`` with e-mails, URLs, birth dates, addresses, postcodes, card numbers, phone
    numbers and reference ids replaced.

    E-mails go first (an address may contain a name or digits), cards before phones (a card
    number also looks like a long phone number).
    """
    # Cheap guards first: most turns hold no "@", no URL and too few digits for any recogniser.
    if "@" in text:
        text = _EMAIL.sub(EMAIL, text)
    if _URL_HINT.search(text):
        text = _URL.sub(URL, text)
    digits = sum(ch.isdigit() for ch in text)
    if digits:
        # Before the phone and card numbers: "12/03/1988" or a house number is neither.
        text = _BIRTH.sub(lambda m: f"{m['what']}{BIRTH}", text)
        text = _POSTCODE.sub(_postcode, _ADDRESS.sub(ADDRESS, text))
    if digits >= min(_PHONE_DIGITS):
        text = _PHONE.sub(_phone, _CARD.sub(_card, text))
    return _ID.sub(_reference, text) if digits >= 4 else text
