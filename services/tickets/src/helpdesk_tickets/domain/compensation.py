"""Compensation amounts (ISO 4217 precision) and the approval rule."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from helpdesk_contracts import Role

# ISO 4217 active codes and their minor units (exponent); everything not listed here is refused.
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF"
    " CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF"
    " IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR"
    " MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD"
    " SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR"
    " ZMW ZWG"
)
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"

MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}
MAX_AMOUNT = Decimal("1000000000")


class InvalidAmount(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def check_amount(amount: Decimal, currency: str) -> Decimal:
    """The amount normalized to the currency's precision; InvalidAmount when it cannot be paid as given."""
    if currency not in MINOR_UNITS:
        raise InvalidAmount("currency", f"{currency!r} is not an ISO 4217 currency code")
    try:
        if not amount.is_finite() or amount <= 0:
            raise InvalidAmount("amount", "amount must be greater than 0")
        if amount >= MAX_AMOUNT:
            raise InvalidAmount("amount", f"amount must be below {MAX_AMOUNT}")
        digits = MINOR_UNITS[currency]
        exponent = amount.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > digits:
            raise InvalidAmount("amount", f"{currency} allows at most {digits} decimal places")
        return amount.quantize(Decimal(1).scaleb(-digits))
    except InvalidOperation:
        raise InvalidAmount("amount", "amount is not a number") from None


def needs_approval(amount: Decimal, threshold: Decimal | None, requested_by: Role) -> bool:
    """Above the merchant's threshold an agent's compensation waits for a manager; a manager's does not."""
    if requested_by is Role.MANAGER or threshold is None:
        return False
    return amount > threshold
