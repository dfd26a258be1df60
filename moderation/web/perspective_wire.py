"""Perspective API's wire format for failures, keys and browser callers.

Every failure under ``/v1alpha1`` — refused input, unknown path, wrong
method, body too large, rate limit, database down — has the shape of
Google's APIs::

    {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT",
               "details": [{"@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                            "errorType": "COMMENT_EMPTY"}]}}

``status`` is the canonical google.rpc code name for the HTTP status.
``errorType`` is one of the ErrorType values Perspective's documentation
lists ("Limits and errors"): COMMENT_TOO_LONG, COMMENT_EMPTY,
NO_REQUESTED_ATTRIBUTES, LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE,
LANGUAGE_DETECTION_FAILED, and INVALID_REQUEST for "any other request
format error". Key failures are Google's own API-key errors: a wrong key
400 INVALID_ARGUMENT "API key not valid. Please pass a valid API key."
(ErrorInfo reason API_KEY_INVALID, as Perspective answers it), no key 403
PERMISSION_DENIED "The request is missing a valid API key.".
"""

from flask import jsonify, request

PREFIX = "/v1alpha1"
ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    # Google's front end has no 405; UNIMPLEMENTED is the rpc code for a
    # method the resource does not serve. The HTTP status stays 405 (with
    # Allow), which is what generic HTTP clients understand.
    405: "UNIMPLEMENTED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
# What a browser may send from another origin. Perspective is called from
# browsers (authorship feedback, extensions) with a key, never a cookie, so
# any origin may call it: there is no ambient credential to abuse.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type, Authorization, X-Goog-Api-Key, X-Goog-Api-Client, X-Goog-Request-Params"
    ),
    "Access-Control-Max-Age": "3600",
}


class PerspectiveError(Exception):
    def __init__(self, code: int, message: str, error_type: str | None = "INVALID_REQUEST"):
        super().__init__(message)
        self.code, self.message, self.error_type = code, message, error_type


def under_prefix() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def error_response(code: int, message: str, error_type: str | None = None, headers=None):
    body = {"code": code, "message": message, "status": STATUS.get(code, "UNKNOWN")}
    if error_type:
        body["details"] = [{"@type": ERROR_TYPE, "errorType": error_type}]
    response = jsonify(error=body)
    response.status_code = code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return with_cors(response)


def invalid_key_response():
    response = error_response(400, "API key not valid. Please pass a valid API key.")
    body = response.get_json()
    body["error"]["details"] = [
        {
            "@type": ERROR_INFO,
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "commentanalyzer.googleapis.com"},
        }
    ]
    response.set_data(jsonify(body).get_data())
    return response


def missing_key_response():
    return error_response(403, "The request is missing a valid API key.")


def http_error_message(code: int, default: str) -> str:
    """Messages without server internals (paths, class names)."""
    return {
        404: f"The requested URL {request.path} was not found on this server.",
        405: f"Method {request.method} is not allowed for {request.path}; use POST.",
        413: "Request payload size exceeds the limit.",
        429: "Quota exceeded: too many requests for this API key. Retry later.",
        500: "Internal error encountered.",
        503: "The service is currently unavailable. Retry later.",
    }.get(code, default)


def key_from_request() -> str:
    """The API key: ``?key=`` (Talk, googleapiclient), ``X-Goog-Api-Key``
    (Google's header form), or ``Authorization: Bearer``."""
    if request.args.get("key"):
        return request.args["key"].strip()
    if request.headers.get("X-Goog-Api-Key"):
        return request.headers["X-Goog-Api-Key"].strip()
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    return bearer.strip() if scheme.lower() == "bearer" else ""


def with_cors(response):
    for name, value in CORS_HEADERS.items():
        response.headers[name] = value
    return response
