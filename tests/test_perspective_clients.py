"""Perspective's own clients against a live server, changed by their URL only.

The Python sample in Perspective's documentation ("Get started": Python)
builds Google's discovery-based client; here it is run unchanged but for
the host of ``discoveryServiceUrl``.
"""

import threading

import pytest
from werkzeug.serving import make_server

discovery = pytest.importorskip("googleapiclient.discovery")
errors = pytest.importorskip("googleapiclient.errors")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="perspective-live", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def perspective_client(base_url, key):
    # Perspective's sample, with "https://commentanalyzer.googleapis.com" replaced.
    return discovery.build(
        "commentanalyzer",
        "v1alpha1",
        developerKey=key,
        discoveryServiceUrl=f"{base_url}/$discovery/rest?version=v1alpha1",
        static_discovery=False,
        cache_discovery=False,
    )


def test_googleapiclient_analyze_and_suggest(live_server, site_key):
    client = perspective_client(live_server, site_key)
    analyze_request = {
        "comment": {"text": "friendly greetings from python"},
        "requestedAttributes": {"TOXICITY": {}},
        "languages": ["en"],
    }
    response = client.comments().analyze(body=analyze_request).execute()
    score = response["attributeScores"]["TOXICITY"]["summaryScore"]
    assert score["type"] == "PROBABILITY" and 0 <= score["value"] <= 1
    feedback = {
        "comment": {"text": "friendly greetings from python"},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}},
        "languages": ["en"],
        "clientToken": "sample-1",
    }
    assert client.comments().suggestscore(body=feedback).execute() == {"clientToken": "sample-1"}


def test_googleapiclient_sees_perspectives_errors(live_server, site_key):
    client = perspective_client(live_server, "not-a-key")
    request = {"comment": {"text": "hello there friend"}, "requestedAttributes": {"TOXICITY": {}}}
    with pytest.raises(errors.HttpError) as raised:
        client.comments().analyze(body=request).execute()
    assert raised.value.status_code == 400
    assert "API key not valid" in raised.value.reason
