"""No API key in any log line.

Perspective clients (Coral Talk among them) send the site's key in the
query string, so every request line holds it: the dev server's access log
(``python app.py``), gunicorn's error log ("Error handling request
/v1alpha1/comments:analyze?key=..."), and any message that quotes a URL.
Every log record the process makes has the value of ``key=`` (and of a
``Bearer`` credential) replaced before any filter or handler sees it.
"""

import logging
import re

# "key=" ends any parameter name that carries a key (key, api_key, apiKey);
# percent-encoded "=" too, as a request line may carry it undecoded.
_KEY_VALUE = re.compile(r"(?i)(key(?:=|%3D))[^&\s\"'#;,]+")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
REDACTED = "[redacted]"


def redact(message: str) -> str:
    message = _KEY_VALUE.sub(rf"\g<1>{REDACTED}", message)
    return _BEARER.sub(rf"\g<1>{REDACTED}", message)


def _redacting(factory):
    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when emitting
            return record
        cleaned = redact(message)
        if cleaned != message:
            # The formatted message replaces the template, so no handler can
            # format the arguments again and bring the key back.
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            # A traceback's messages may quote the URL too; formatters use
            # the text set here instead of formatting it again.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    make_record.redacts_keys = True
    return make_record


def init_app(app) -> None:
    """Redact every log record of the process, whichever logger or handler
    writes it (records are made only once a logger is going to emit them)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts_keys", False):
        logging.setLogRecordFactory(_redacting(factory))
