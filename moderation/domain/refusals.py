"""Why a request is refused: one exception for every refusal the domain
makes, carrying the HTTP status that names its kind; ``web/errors.py``
renders it as the API's one JSON error shape."""

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict | None = None, error: str = ""):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields
        self.error = error or HTTP_CODES.get(status, "error")
