"""Moderator accounts: creation, sign-in, sign-out, admin management."""

import pytest

from tests.moderation_helpers import PASSWORD, add_moderator, csrf_token, sign_in


def test_every_page_but_login_needs_a_signed_in_moderator(client):
    for path in ("/queue", "/audit", "/dashboard", "/moderators", "/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.get("/login").status_code == 200


def test_sign_in_and_out(app, client):
    add_moderator(app)
    response = sign_in(client)
    assert response.status_code == 302
    assert "maria" in client.get("/queue").get_data(as_text=True)
    token = csrf_token(client, "/queue")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/queue").status_code == 302


def test_wrong_password_gets_a_message(app, client):
    add_moderator(app)
    response = sign_in(client, password="wrong password!")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(app, client):
    add_moderator(app)
    response = client.post("/login", data={"username": "maria", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/%09/evil.example", "/\\evil.example"]
)
def test_after_login_only_local_redirects(app, client, target):
    add_moderator(app)
    token = csrf_token(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "maria", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/queue"


def test_after_login_a_local_page_is_kept(app, client):
    add_moderator(app)
    token = csrf_token(client)
    response = client.post(
        "/login?next=/audit",
        data={"username": "maria", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/audit"


def test_cli_creates_moderator_with_password_from_stdin(runner, client):
    result = runner.invoke(
        args=["moderators", "create", "li", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert sign_in(client, "li").status_code == 302


@pytest.mark.parametrize(
    "args, password, problem",
    [
        (["li"], "short", "at least 10 characters"),
        (["li", "--role", "boss"], PASSWORD, "Invalid value for '--role'"),
    ],
)
def test_cli_refuses_bad_accounts(runner, args, password, problem):
    result = runner.invoke(args=["moderators", "create", *args], input=f"{password}\n{password}\n")
    assert result.exit_code != 0
    assert problem in result.output


def test_admin_creates_disables_and_enables_moderators(app, client):
    add_moderator(app, "boss", role="admin")
    sign_in(client, "boss")
    token = csrf_token(client, "/moderators")
    client.post(
        "/moderators",
        data={"username": "sam", "password": PASSWORD, "role": "moderator", "csrf_token": token},
    )
    page = client.get("/moderators").get_data(as_text=True)
    assert "Created moderator sam" in page
    sam_id = _id_of(app, "sam")
    client.post(f"/moderators/{sam_id}/active", data={"active": "0", "csrf_token": token})
    other = app.test_client()
    assert sign_in(other, "sam").status_code == 401, "a disabled moderator cannot sign in"
    client.post(f"/moderators/{sam_id}/active", data={"active": "1", "csrf_token": token})
    assert sign_in(other, "sam").status_code == 302


def test_moderators_cannot_manage_accounts(app, client):
    add_moderator(app)
    sign_in(client)
    assert client.get("/moderators").status_code == 403


def _id_of(app, name):
    from sqlalchemy import select

    from moderation.domain.orm import Moderator
    from moderation.infrastructure.db import db

    with app.app_context():
        return db.session.scalar(select(Moderator.id).where(Moderator.username == name))


def test_repeated_failed_sign_ins_are_slowed_down(app, client):
    app.config["MODERATION_LOGIN_RATE_LIMIT"] = "3 per minute"
    add_moderator(app)
    responses = [sign_in(client, password="wrong password!") for _ in range(4)]
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    assert 1 <= int(responses[-1].headers["Retry-After"]) <= 60


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, client):
    add_moderator(app)
    sign_in(client)
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/queue")})
    client.set_cookie("session", stolen)
    response = client.get("/queue")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert sign_in(client).status_code == 302
    assert client.get("/queue").status_code == 200


def test_a_new_password_ends_every_session_of_that_moderator(app, runner):
    add_moderator(app)
    add_moderator(app, "li")
    maria, other_device, li = app.test_client(), app.test_client(), app.test_client()
    for browser, name in ((maria, "maria"), (other_device, "maria"), (li, "li")):
        sign_in(browser, name)
    new_password = "a much better passphrase"
    result = runner.invoke(
        args=["moderators", "set-password", "maria"], input=f"{new_password}\n{new_password}\n"
    )
    assert result.exit_code == 0, result.output
    assert maria.get("/queue").status_code == 302
    assert other_device.get("/queue").status_code == 302
    assert li.get("/queue").status_code == 200
    assert sign_in(maria, password=PASSWORD).status_code == 401
    assert sign_in(maria, password=new_password).status_code == 302


def test_cli_password_change_refuses_a_short_password_or_an_unknown_name(app, runner):
    add_moderator(app)
    result = runner.invoke(args=["moderators", "set-password", "maria"], input="short\nshort\n")
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    result = runner.invoke(
        args=["moderators", "set-password", "nobody"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code != 0 and "no moderator is named 'nobody'" in result.output


def test_a_disabled_moderators_cookie_does_not_return_when_the_account_is_enabled(app, client):
    add_moderator(app, "boss", role="admin")
    add_moderator(app, "sam")
    sam = app.test_client()
    sign_in(sam, "sam")
    stolen = sam.get_cookie("session").value
    sign_in(client, "boss")
    token = csrf_token(client, "/moderators")
    sam_id = _id_of(app, "sam")
    client.post(f"/moderators/{sam_id}/active", data={"active": "0", "csrf_token": token})
    client.post(f"/moderators/{sam_id}/active", data={"active": "1", "csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/queue")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert sign_in(thief, "sam").status_code == 302, "sam signs in anew"
