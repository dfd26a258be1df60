"""Webhook signatures as a receiving site checks them, with the code the
README gives it."""

import hashlib
import hmac
import time

from moderation.domain.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign

SECRET = "whsec_example"
BODY = b'{"delivery_id": 7, "event": "comment.status_changed"}'


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The README's verification, as a site would copy it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - int(parts["t"])) <= tolerance  # refuse old replays
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


def test_the_headers_are_the_ones_the_readme_names():
    assert SIGNATURE_HEADER == "X-Moderation-Signature"
    assert DELIVERY_HEADER == "X-Moderation-Delivery"


def test_a_site_with_the_secret_verifies_a_fresh_delivery():
    now = int(time.time())
    header = sign(SECRET, now, BODY)
    assert header.startswith(f"t={now},v1=")
    assert verify(SECRET, header, BODY)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_a_changed_body_secret_or_timestamp_fails_verification():
    now = int(time.time())
    header = sign(SECRET, now, BODY)
    assert not verify(SECRET, header, BODY.replace(b"7", b"8"))
    assert not verify("whsec_other", header, BODY)
    forged = header.replace(f"t={now}", f"t={now + 1}")
    assert not verify(SECRET, forged, BODY)
