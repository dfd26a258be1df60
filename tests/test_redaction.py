"""No API key reaches a log line: the dev server's, gunicorn's or the app's."""

import logging
import threading
import urllib.request

from werkzeug.serving import make_server


def test_dev_server_access_log_hides_the_key_in_the_query(app, site_key, caplog):
    # The server `python app.py` runs (app.run), on a free port, for one request.
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/v1alpha1/comments:analyze?key={site_key}&x=1"
    caplog.set_level(logging.INFO, logger="werkzeug")
    request = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 400  # an empty body: the key itself was accepted
    thread.join(timeout=10)
    server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("comments:analyze?key=[redacted]&x=1" in line for line in lines), lines
    assert site_key not in caplog.text


def test_gunicorn_error_lines_and_tracebacks_hide_keys(app, caplog):
    secret = "mod_abcdefghijklmnop"
    try:
        raise RuntimeError(f"upstream refused https://example.test/a?api_key={secret}")
    except RuntimeError:
        # What gunicorn writes when a request fails (its error log).
        logging.getLogger("gunicorn.error").exception(
            "Error handling request %s", f"/v1alpha1/comments:analyze?key={secret}"
        )
    logging.getLogger("moderation").warning("header was %r", f"Bearer {secret}")
    assert secret not in caplog.text
    record = caplog.records[0]
    assert record.getMessage() == "Error handling request /v1alpha1/comments:analyze?key=[redacted]"
    assert "api_key=[redacted]" in caplog.text
    assert "Bearer [redacted]" in caplog.text
