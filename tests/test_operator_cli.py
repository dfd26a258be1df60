"""Operators' commands: sites' keys and moderators' accounts."""

from tests.moderation_helpers import PASSWORD, add_moderator, sign_in


def test_moderators_create_reads_one_piped_line_and_states_the_minimum(runner, client):
    help_text = runner.invoke(args=["moderators", "create", "--help"]).output
    assert "at least 10 characters" in help_text and "standard input" in help_text
    result = runner.invoke(args=["moderators", "create", "li"], input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert sign_in(client, "li").status_code == 302
    short = runner.invoke(args=["moderators", "create", "ana"], input="short\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_sites_list_rotate_and_revoke(runner, client):
    created = runner.invoke(args=["sites", "create", "Example Tribune"]).output
    old_key = created.strip().splitlines()[-1]
    assert "Example Tribune\tmod_" in runner.invoke(args=["sites", "list"]).output

    def status(key):
        headers = {"Authorization": f"Bearer {key}"}
        return client.get("/api/v1/policy", headers=headers).status_code

    assert status(old_key) == 200
    rotated = runner.invoke(args=["sites", "rotate-key", "Example Tribune"])
    new_key = rotated.output.strip().splitlines()[-1]
    assert new_key != old_key and (status(old_key), status(new_key)) == (401, 200)
    assert runner.invoke(args=["sites", "revoke", "Example Tribune"]).exit_code == 0
    assert status(new_key) == 401
    assert "Example Tribune\trevoked" in runner.invoke(args=["sites", "list"]).output
    missing = runner.invoke(args=["sites", "revoke", "Nowhere"])
    assert missing.exit_code != 0 and "no site is named 'Nowhere'" in missing.output


def test_moderators_list_disable_enable_and_set_password(app, runner, client):
    add_moderator(app, "maria", role="admin")
    add_moderator(app, "li")
    assert runner.invoke(args=["moderators", "list"]).output.splitlines() == [
        "li\tmoderator\tactive",
        "maria\tadmin\tactive",
    ]
    runner.invoke(args=["moderators", "disable", "li"])
    assert "li\tmoderator\tdisabled" in runner.invoke(args=["moderators", "list"]).output
    assert sign_in(client, "li").status_code == 401
    runner.invoke(args=["moderators", "enable", "li"])
    new_password = "a brand new passphrase"
    result = runner.invoke(args=["moderators", "set-password", "li"], input=new_password + "\n")
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "li").status_code == 401
    assert sign_in(app.test_client(), "li", new_password).status_code == 302
    short = runner.invoke(args=["moderators", "set-password", "li"], input="tiny\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
