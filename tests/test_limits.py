"""Rate limits: per authenticated site on the APIs, per address for wrong
keys and failed sign-ins, and a per-account delay that never locks out."""

import secrets
import subprocess
import sys
import time

import pytest

from moderation.config import PROJECT_ROOT
from tests.moderation_helpers import PASSWORD, add_moderator, csrf_token

ANALYZE = "/v1alpha1/comments:analyze"


def test_a_made_up_query_key_next_to_the_bearer_key_counts_against_the_site(app, client, auth):
    app.config["MODERATION_API_RATE_LIMIT"] = "3 per minute"
    codes = [
        client.get(f"/api/v1/policy?key={secrets.token_hex(8)}", headers=auth).status_code
        for _ in range(6)
    ]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_the_site_limit_is_shared_by_both_apis(app, client, auth, site_key):
    app.config["MODERATION_API_RATE_LIMIT"] = "2 per minute"
    assert client.get("/api/v1/policy", headers=auth).status_code == 200
    body = {
        "comment": {"text": "A fair point."},
        "languages": ["en"],
        "requestedAttributes": {"TOXICITY": {}},
    }
    assert client.post(f"{ANALYZE}?key={site_key}", json=body).status_code == 200
    response = client.post(ANALYZE, json=body, headers=auth)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_wrong_keys_are_limited_per_client_address(app, client, site_key):
    app.config["MODERATION_AUTH_FAILURE_LIMIT"] = "5 per minute"
    guesses = [
        client.get("/api/v1/policy", headers={"Authorization": f"Bearer mod_{i}"}).status_code
        for i in range(3)
    ] + [client.post(f"{ANALYZE}?key=mod_{i}", json={}).status_code for i in range(3)]
    # The API answers 401; Perspective answers a wrong key as Google does (400).
    assert guesses == [401, 401, 401, 400, 400, 429]
    # Over the limit, the address gets no answer about any key, right or wrong.
    refused = client.get("/api/v1/policy", headers={"Authorization": f"Bearer {site_key}"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    elsewhere = client.get(
        "/api/v1/policy",
        headers={"Authorization": f"Bearer {site_key}"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert elsewhere.status_code == 200


def sign_in_from(client, token, address, name="maria", password=PASSWORD):
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": address},
    )


def test_one_password_across_many_names_is_limited_per_address(app, client):
    app.config["MODERATION_LOGIN_RATE_LIMIT"] = "10 per minute"
    token = csrf_token(client)
    codes = [
        sign_in_from(client, token, "198.51.100.1", f"user{i}", "Summer2026!").status_code
        for i in range(12)
    ]
    assert codes == [401] * 10 + [429, 429]


@pytest.mark.parametrize("app_config", [{"MODERATION_TRUSTED_PROXIES": 0}])
def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(app, client):
    app.config["MODERATION_LOGIN_RATE_LIMIT"] = "3 per minute"
    token = csrf_token(client)
    codes = [
        sign_in_from(client, token, f"203.0.113.{i}", f"user{i}", "wrong!").status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "MODERATION_TRUSTED_PROXIES": 1,
            "MODERATION_LOGIN_FREE_FAILURES": 3,
            "MODERATION_LOGIN_MAX_DELAY_SECONDS": 1,
        }
    ],
)
def test_guessing_from_many_addresses_delays_but_never_locks_out_the_owner(app, client):
    add_moderator(app)
    token = csrf_token(client)
    codes = [
        sign_in_from(client, token, f"203.0.113.{i}", password=f"guess {i}!").status_code
        for i in range(20)
    ]
    # Three wrong passwords are free; the attempt after them waits.
    assert codes[:3] == [401, 401, 401]
    assert set(codes[3:]) == {429}
    owner = sign_in_from(client, token, "192.0.2.50")
    assert owner.status_code == 429
    wait = int(owner.headers["Retry-After"])
    assert wait == 1
    assert "Try again in 1 second." in owner.get_data(as_text=True)
    time.sleep(wait + 0.1)
    assert sign_in_from(client, token, "192.0.2.50").status_code == 302
    assert client.get("/queue").status_code == 200


SWITCHED_OFF = """
import sys
from moderation import create_app
from moderation.infrastructure.db import db, ensure_schema
from moderation.domain.sites import create_site
from tests.moderation_helpers import PASSWORD, add_moderator, csrf_token
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "MODERATION_MODEL_DIR": sys.argv[2],
                  "SECRET_KEY": "x", "RATELIMIT_ENABLED": False})
ensure_schema(app)
with app.app_context():
    _, key = create_site("Unlimited Tribune")
    db.session.commit()
add_moderator(app)
client = app.test_client()
codes = [
    client.get("/api/v1/policy", headers={"Authorization": f"Bearer {key}"}).status_code,
    client.get("/api/v1/policy", headers={"Authorization": "Bearer mod_x"}).status_code,
]
token = csrf_token(client, "/login")
for password in ("not the password", PASSWORD):
    form = {"username": "maria", "password": password, "csrf_token": token}
    codes.append(client.post("/login", data=form).status_code)
print(codes)
"""


def test_with_rate_limiting_switched_off_every_api_and_sign_in_works(model_dir, tmp_path):
    """A process whose app has RATELIMIT_ENABLED=False has no Flask-Limiter
    storage: nothing may count then, and nothing may fail for it (it did: a
    500 on every API request). A process of its own, as the limiter is one
    per process."""
    database = f"sqlite:///{tmp_path / 'unlimited.sqlite'}"
    result = subprocess.run(
        [sys.executable, "-c", SWITCHED_OFF, database, str(model_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().splitlines()[-1:] == ["[200, 401, 401, 302]"], result.stderr


def test_limits_whose_storage_is_unreachable_let_requests_through(app, client, auth, monkeypatch):
    """Redis down: comments are still stored and moderators still sign in
    (the limits fail open, logged), rather than every request answering 500."""
    from moderation.web.limits import limiter

    def unreachable(*_, **__):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with app.app_context():
        for counts, names in (
            (limiter.limiter, ("hit", "test")),
            (limiter.storage, ("get", "incr", "clear")),
        ):
            for name in names:
                monkeypatch.setattr(counts, name, unreachable)
    body = {"id": "c1", "article_id": "a1", "text": "A fair point about the budget."}
    assert client.post("/api/v1/comments", json=body, headers=auth).status_code == 201
    wrong_key = {"Authorization": "Bearer mod_x"}
    assert client.get("/api/v1/policy", headers=wrong_key).status_code == 401
    add_moderator(app)
    token = csrf_token(client)
    wrong = {"username": "maria", "password": "wrong guess!", "csrf_token": token}
    assert client.post("/login", data=wrong).status_code == 401
    assert client.post("/login", data={**wrong, "password": PASSWORD}).status_code == 302


def test_a_mistyped_rate_limit_stops_the_start_naming_it():
    from moderation import create_app

    with pytest.raises(ValueError, match="MODERATION_API_RATE_LIMIT: '600 a minute' is not"):
        create_app({"MODERATION_API_RATE_LIMIT": "600 a minute"})
