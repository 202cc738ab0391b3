"""The pure rules of age signals: the age a signal makes (``ages.birthdays.assured_birthdate``)
and the key id of an issuer's key (RFC 7638)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from family_safety.domain.ages.birthdays import assured_birthdate
from family_safety.domain.policy.pack import age_on
from family_safety.lib.security.public_keys import thumbprint

ON = date(2026, 12, 7)
METHODS = ("self_declared", "guardian_declared", "estimated", "verified")


def _age(birthdate: date, lower, upper, method, on=ON) -> int:
    moved = assured_birthdate(birthdate, lower, upper, method, on)
    return age_on(moved or birthdate, on)


@pytest.mark.parametrize("method", METHODS)
def test_any_method_lowers_the_age_to_upper(method):
    born_30_years_ago = date(1996, 1, 1)
    assert _age(born_30_years_ago, 13, 15, method) == 15
    assert _age(born_30_years_ago, None, 12, method) == 12


@pytest.mark.parametrize("method", METHODS[:3])
def test_only_verified_raises_the_age(method):
    born_14_years_ago = date(2012, 6, 1)
    assert _age(born_14_years_ago, 18, None, method) == 14
    assert _age(born_14_years_ago, 18, None, "verified") == 18


def test_an_age_within_the_range_is_left_as_the_birthdate_says():
    assert assured_birthdate(date(2010, 3, 3), 13, 18, "verified", ON) is None


def test_the_signal_age_grows_older_a_year_every_year():
    moved = assured_birthdate(date(1990, 1, 1), 15, 15, "estimated", ON)
    assert moved is not None
    assert age_on(moved, date(2027, 12, 6)) == 15
    assert age_on(moved, date(2027, 12, 7)) == 16


def test_a_signal_received_on_29_february():
    leap = date(2028, 2, 29)
    assert age_on(assured_birthdate(date(2000, 1, 1), None, 15, "estimated", leap), leap) == 15
    assert age_on(assured_birthdate(date(2020, 1, 1), 16, None, "verified", leap), leap) == 16


@given(
    birthdate=st.dates(date(1900, 1, 1), ON),
    lower=st.none() | st.integers(0, 120),
    upper=st.none() | st.integers(0, 120),
    method=st.sampled_from(METHODS),
    on=st.dates(date(2020, 1, 1), date(2040, 12, 31)),
)
def test_the_age_is_the_birthdate_age_clamped_as_the_contract_says(
    birthdate, lower, upper, method, on
):
    if birthdate > on or (lower is not None and upper is not None and lower > upper):
        return
    expected = age_on(birthdate, on)
    if upper is not None and expected > upper:
        expected = upper
    elif lower is not None and expected < lower and method == "verified":
        expected = lower
    assert _age(birthdate, lower, upper, method, on) == expected


def test_the_key_id_is_the_rfc_7638_thumbprint():
    # RFC 8037, appendix A.3: the thumbprint of its Ed25519 example key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    # RFC 7638, section 3.1 uses RSA; an EC key's members are crv, kty, x, y.
    ec_jwk = {"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "kid": "ignored", "use": "sig"}
    assert thumbprint(ec_jwk) == thumbprint({"y": "b", "x": "a", "crv": "P-256", "kty": "EC"})
