"""Admin pages: model versions, labels, retraining in the background."""

import html
import io
import json
import random
import re
import time

import pytest

from moderation.learning.artifacts import MANIFEST_FILE, current_version, read_manifest
from tests.moderation_helpers import (
    LEARNED_INSULT,
    add_moderator,
    csrf_token,
    moderate,
    sign_in,
    site_comments,
)


@pytest.fixture
def admin(app, client):
    add_moderator(app, "boss", role="admin")
    sign_in(client, "boss")
    return client


def test_moderators_cannot_open_admin_pages(app, client):
    add_moderator(app)
    sign_in(client)
    assert client.get("/admin/models").status_code == 403
    assert client.get("/admin/labels").status_code == 403


def test_versions_promote_and_rollback_from_the_page(admin, two_versions):
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "v1 <strong>(current)</strong>" in page and "Promote v2" in page
    token = csrf_token(admin, "/admin/models")
    admin.post("/admin/models/promote", data={"version": "v2", "csrf_token": token})
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "v2 is now the current model" in page and "v2 <strong>(current)</strong>" in page
    assert "<td>v2</td><td>v1</td><td>boss</td><td>from the admin page</td>" in page
    admin.post("/admin/models/rollback", data={"csrf_token": token})
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "Rolled back to v1" in page and "v1 <strong>(current)</strong>" in page
    assert "<td>v1</td><td>v2</td><td>boss</td><td>rollback from v2</td>" in page


def test_label_upload_is_all_or_nothing(admin):
    """Jobs run at once here (as a worker free at that moment would): the
    page after the upload shows what came of it."""
    token = csrf_token(admin, "/admin/labels")
    bad = b'{"id": "a", "text": "ok", "abusive": 0}\n{"id": "b", "text": "x", "abusive": 7}\n'
    response = admin.post(
        "/admin/labels",
        data={"file": (io.BytesIO(bad), "bad.jsonl"), "csrf_token": token},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Import of bad.jsonl queued" in page and "nothing imported: 1 problem(s)" in page
    assert "line 2: &#39;abusive&#39;" in page
    good = b"id,text,abusive,on_topic,article_id\nx,You idiot,1,,\n"
    response = admin.post(
        "/admin/labels",
        data={"file": (io.BytesIO(good), "good.csv"), "csrf_token": token},
        follow_redirects=True,
    )
    assert "imported 1 labels" in response.get_data(as_text=True)
    download = admin.get("/admin/labels.jsonl").get_data(as_text=True)
    assert '"id": "x"' in download and '"id": "a"' not in download


def retrain_in_the_page(admin, app, data_files) -> str:
    """Start a retraining from the page; the page once it has finished."""
    comments, articles = data_files
    app.config["MODERATION_BASE_DATA"] = [str(comments)]
    app.config["MODERATION_BASE_ARTICLES"] = str(articles)
    token = csrf_token(admin, "/admin/models")
    response = admin.post("/admin/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "Retraining queued" in response.get_data(as_text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = admin.get("/admin/models").get_data(as_text=True)
        if "<td>running</td>" not in page:
            return page
        time.sleep(0.5)
    raise AssertionError("the retraining did not finish within 60 seconds")


def test_retraining_on_decisions_runs_in_the_background_and_promotes(
    admin, app, auth, data_files, two_versions
):
    # Moderators decide every comment: pre-moderation, and no automatic reject.
    app.config.update(MODERATION_PREMODERATION=True, MODERATION_REJECT_ABUSIVE=1.0)
    # The tiny test models' identity-template AUCs are noise (test_gate.py).
    app.config["MODERATION_GATE_IDENTITY_TOLERANCE"] = 1.0
    assert moderate(app, admin, auth, site_comments(random.Random(0), 300)) == 300
    app.config.update(MODERATION_PREMODERATION=False, MODERATION_REJECT_ABUSIVE=0.9)
    before = post_comment(admin, auth, "before", LEARNED_INSULT)
    assert before["model_version"] == "v1" and "abusive" not in before["reasons"]

    page = retrain_in_the_page(admin, app, data_files)
    assert "<td>promoted</td>" in page, page
    assert "passed the gate" in page
    version = current_version(two_versions)
    assert version not in ("v1", "v2")
    assert f"{version} <strong>(current)</strong>" in page
    manifest = read_manifest(two_versions, version)
    assert manifest["site_labels"] == 300
    assert manifest["gate"]["passed"] is True
    assert manifest["gate"]["live_version"] == "v1"
    after = post_comment(admin, auth, "after", LEARNED_INSULT)
    assert after["model_version"] == version
    assert after["status"] in {"pending", "rejected"} and "abusive" in after["reasons"]


def post_comment(client, auth, comment_id, text):
    body = {"id": comment_id, "article_id": "story-0", "text": text}
    return client.post("/api/v1/comments", json=body, headers=auth).get_json()


def test_a_retraining_without_site_labels_is_kept_and_the_page_says_why(
    admin, app, data_files, two_versions
):
    page = retrain_in_the_page(admin, app, data_files)
    assert "<td>kept</td>" in page, page
    assert "refused by the gate against v1: abuse ROC-AUC, site&#39;s labels (missing" in page
    assert "abuse ROC-AUC, site&#39;s labels: – → – (missing for live and candidate)" in page
    assert current_version(two_versions) == "v1"


def test_retraining_needs_base_data(admin, two_versions):
    token = csrf_token(admin, "/admin/models")
    response = admin.post("/admin/retrain", data={"csrf_token": token}, follow_redirects=True)
    assert "Set MODERATION_BASE_DATA" in response.get_data(as_text=True)


def test_webhook_set_in_the_page_and_deliveries_replayed(app, admin, client, auth, runner):
    app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    token = csrf_token(admin, "/admin/webhooks")
    page = admin.get("/admin/webhooks").get_data(as_text=True)
    site_id = int(re.search(r'name="site_id" value="(\d+)"', page).group(1))
    response = admin.post(
        "/admin/webhooks",
        data={"site_id": site_id, "url": "http://127.0.0.1:9/hook", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Its signing secret, shown only now: whsec_" in response.get_data(as_text=True)
    client.post(
        "/api/v1/comments", json={"id": "e1", "article_id": "a", "text": "hi"}, headers=auth
    )
    runner.invoke(args=["webhooks", "run", "--once"])
    page = admin.get("/admin/webhooks").get_data(as_text=True)
    assert "failed: unreachable" in page
    event_id = int(re.search(r'name="event_id" value="(\d+)"', page).group(1))
    response = admin.post(
        "/admin/webhooks/replay",
        data={"event_id": event_id, "csrf_token": token},
        follow_redirects=True,
    )
    assert f"Event {event_id} will be sent again" in response.get_data(as_text=True)
    # Tried again at once by the delivery job the replay queued (tests run jobs at once).
    with app.app_context():
        from moderation.domain.orm_webhooks import OutboxEvent
        from moderation.infrastructure.db import db

        assert db.session.get(OutboxEvent, event_id).attempts == 2


def test_a_new_webhook_secret_is_shown_once_and_never_put_in_the_session_cookie(
    app, admin, site_key
):
    # A receiver on this machine: no name to resolve, allowed for the test.
    app.config["MODERATION_WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    token = csrf_token(admin, "/admin/webhooks")
    page = admin.get("/admin/webhooks").get_data(as_text=True)
    site_id = int(re.search(r'name="site_id" value="(\d+)"', page).group(1))
    response = admin.post(
        "/admin/webhooks",
        data={"site_id": site_id, "url": "http://127.0.0.1:9/hook", "csrf_token": token},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r"shown only now: (whsec_\S+)<", response.get_data(as_text=True)).group(1)
    cookie = admin.get_cookie("session").value
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in json.dumps(session)
    assert secret not in admin.get("/admin/webhooks").get_data(as_text=True)


def test_models_page_offers_rollback_only_when_there_is_a_version_to_go_back_to(
    admin, two_versions
):
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "Roll back to" not in page
    assert "Nothing to roll back to: v1 was not promoted over another version." in page
    assert "Abuse AUC" not in page and "not compared (no gate run)" in page
    token = csrf_token(admin, "/admin/models")
    admin.post("/admin/models/promote", data={"version": "v2", "csrf_token": token})
    assert "Roll back to v1" in admin.get("/admin/models").get_data(as_text=True)
    admin.post("/admin/models/promote", data={"version": "v2", "csrf_token": token})
    # Promoting v2 over itself gives nothing new to roll back to, but v1 still is.
    assert "Roll back to v2" not in admin.get("/admin/models").get_data(as_text=True)


def test_retraining_switched_off_says_why_on_the_page(admin, two_versions):
    page = admin.get("/admin/models").get_data(as_text=True)
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Retrain", page)
    assert "Retraining is off: set MODERATION_BASE_DATA" in page


# The shipped model's layout and figures (models/<version>/manifest.json),
# the tweets first: the page must put the news comments first itself.
HELD_OUT = {
    "davidson": {"abuse": {"average_precision": 0.9937, "roc_auc": 0.9698, "rows": 4970}},
    "c3": {"abuse": {"average_precision": 0.2367, "roc_auc": 0.6736, "rows": 1487}},
    "fox": {
        "abuse": {"average_precision": 0.3944, "roc_auc": 0.642, "rows": 141},
        "on_topic": {"own_vs_other_roc_auc": 0.798},
    },
    "nyt": {"on_topic": {"own_vs_other_roc_auc": 0.8929}},
}


def record_held_out(folder, version, section):
    manifest = read_manifest(folder, version)
    manifest["held_out"] = section
    (folder / version / MANIFEST_FILE).write_text(json.dumps(manifest))


def table(page: str, label: str) -> dict[str, list[str]]:
    """The page's table of that name: each row's first cell -> its others."""
    found = re.search(rf'<table [^>]*aria-label="{re.escape(label)}">(.*?)</table>', page, re.S)
    assert found, f"no table {label!r}"
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S):
        cells = [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_live_versions_held_out_figures_are_shown_per_source_news_first(admin, two_versions):
    record_held_out(two_versions, "v1", HELD_OUT)
    c3 = {"abuse": {"average_precision": 0.5, "roc_auc": 0.9, "rows": 10}}
    record_held_out(two_versions, "v2", {"c3": c3})
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "Held out: v1" in page
    assert "never saw in training or calibration" in page
    assert "<code>held_out</code>, from <code>flask --app app evaluate --held-out</code>" in page
    assert "the figures the README's model card quotes" in page
    abuse = table(page, "Abuse, held out, per source")
    assert list(abuse.items()) == [
        ("Source", ["Comments are", "Held-out comments", "Abuse ROC-AUC", "Average precision"]),
        (
            "C3, Globe and Mail comments (held-out articles)",
            ["news comments", "1,487", "0.674", "0.237"],
        ),
        ("Fox News comments (held-out articles)", ["news comments", "141", "0.642", "0.394"]),
        ("Davidson tweets (held-out share)", ["tweets", "4,970", "0.970", "0.994"]),
    ]
    assert table(page, "On-topic, held out, per source") == {
        "Source": ["On-topic ROC-AUC, own article against another"],
        "NYT (headline and abstract only)": ["0.893"],
        "Fox News (headline and one paragraph)": ["0.798"],
    }
    # Only the live version's: promoted, v2's own figures take their place.
    token = csrf_token(admin, "/admin/models")
    admin.post("/admin/models/promote", data={"version": "v2", "csrf_token": token})
    page = admin.get("/admin/models").get_data(as_text=True)
    assert "Held out: v2" in page and "0.674" not in page
    abuse = table(page, "Abuse, held out, per source")
    assert abuse["C3, Globe and Mail comments (held-out articles)"][1:] == ["10", "0.900", "0.500"]
    assert "On-topic, held out" not in page


@pytest.mark.parametrize("section", [None, {}])
def test_a_manifest_without_held_out_figures_says_so(admin, two_versions, section):
    if section is not None:
        record_held_out(two_versions, "v1", section)
    assert read_manifest(two_versions, "v1").get("held_out") == section
    response = admin.get("/admin/models")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No held-out figures recorded: the manifest of v1 has no" in page
    assert "Abuse, held out" not in page and "On-topic, held out" not in page


def test_a_repacked_version_is_named_as_its_sources_copy(admin, runner, two_versions):
    manifest = read_manifest(two_versions, "v2")
    manifest["gate"] = {"passed": True, "live_version": "v1", "checks": []}
    (two_versions / "v2" / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert runner.invoke(args=["models", "repack", "v2"]).exit_code == 0
    (first,) = {p.name for p in two_versions.iterdir() if p.is_dir()} - {"v1", "v2"}
    page = admin.get("/admin/models").get_data(as_text=True)
    assert f"{first}<br><small>v2 saved again in smaller forms" in page
    assert "the gate report is v2's" in page
    assert "v1<br><small>" not in page
    time.sleep(1.1)  # versions are named by the second
    assert runner.invoke(args=["models", "repack", first]).exit_code == 0
    (second,) = {p.name for p in two_versions.iterdir() if p.is_dir()} - {"v1", "v2", first}
    page = admin.get("/admin/models").get_data(as_text=True)
    assert f"{second}<br><small>{first} saved again in smaller forms" in page
    assert "the gate report is v2's" in page and f"the gate report is {first}'s" not in page
