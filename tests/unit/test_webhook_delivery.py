"""The retry schedule of a failed webhook attempt (jitter, Retry-After, the last step), the
signature header during a rotation, and which addresses are public."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from family_safety.domain.webhooks.delivery import Attempt, next_wait, signatures
from family_safety.domain.webhooks.services import new_secret
from family_safety.lib.safe_http import is_public

SCHEDULE = (5.0, 300.0, 1800.0)


@given(st.integers(min_value=1, max_value=3), st.floats(min_value=0, max_value=0.999))
def test_each_step_waits_its_seconds_with_at_most_ten_percent_jitter(attempts, jitter):
    wait = next_wait(SCHEDULE, attempts, Attempt(500), jitter)
    assert wait is not None
    assert SCHEDULE[attempts - 1] <= wait < SCHEDULE[attempts - 1] * 1.1


def test_after_the_last_step_there_is_no_next_attempt():
    assert next_wait(SCHEDULE, 4, Attempt(500), 0.5) is None
    assert next_wait(SCHEDULE, 4, Attempt(None), 0.5) is None


@pytest.mark.parametrize("status", [429, 503])
def test_a_longer_retry_after_of_a_429_or_503_wins(status):
    assert next_wait(SCHEDULE, 1, Attempt(status, 600.0), 0.0) == 600.0
    assert next_wait(SCHEDULE, 2, Attempt(status, 10.0), 0.0) == 300.0  # shorter: the schedule


def test_a_retry_after_of_another_status_is_ignored():
    assert next_wait(SCHEDULE, 1, Attempt(500, 600.0), 0.0) == 5.0


def test_two_secrets_sign_side_by_side_and_either_verifies():
    old, new = new_secret(), new_secret()
    now = datetime.now(UTC)
    body = b'{"type":"link.created","timestamp":"2026-12-07T04:00:00Z","data":{}}'
    header = signatures([new, old], "msg_1", now, body)
    assert len(header.split(" ")) == 2
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": header,
    }
    for secret in (old, new):
        Webhook(secret).verify(body, headers)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104  (an address checked, not bound)
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public(address) is public
