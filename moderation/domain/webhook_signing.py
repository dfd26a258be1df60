"""How a delivery is signed: HMAC-SHA256 with the site's secret over
``"<timestamp>.<body>"``, sent as ``X-Moderation-Signature:
t=<timestamp>,v1=<hex>``; ``X-Moderation-Delivery`` carries the event id."""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Moderation-Signature"
DELIVERY_HEADER = "X-Moderation-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"
