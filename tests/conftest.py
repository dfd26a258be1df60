"""Fixtures: an app on a migrated database, a site key, and a tiny model.

The database is SQLite in a temporary folder unless
``MODERATION_TEST_DATABASE_URL`` names another (``.ci/run`` gives a fresh
PostgreSQL database). The schema comes from the migrations, once per run;
each test then starts from empty tables.
"""

import os

import pytest
from hypothesis import settings
from sqlalchemy import delete

from moderation import create_app
from moderation.domain.live_model import ModelPromotion
from moderation.domain.orm import (
    Article,
    AuthorAction,
    AuthorStanding,
    Comment,
    Decision,
    Moderator,
    Report,
    Site,
)
from moderation.domain.orm_learning import LabelImport, LabelledExample, TrainingRun
from moderation.domain.orm_webhooks import OutboxEvent, Webhook
from moderation.domain.sites import create_site
from moderation.infrastructure.db import db, ensure_schema
from moderation.learning.artifacts import save_version
from moderation.learning.datasets import read_articles, read_comments
from moderation.learning.training import train_models
from moderation.web.limits import limiter
from tests import language_data, sample_data
from tests.moderation_helpers import add_moderator, sign_in

THRESHOLDS = {"hold_abusive": 0.5, "hold_on_topic": 0.3}

# The same examples on every run: a property test must not pass today and
# fail tomorrow on the same code. No deadline: CI machines vary in speed.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.load_profile("repeatable")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("MODERATION_TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def data_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    sample_data.write_jsonl(folder / "comments.jsonl", sample_data.labelled_comments())
    sample_data.write_jsonl(folder / "articles.jsonl", sample_data.ARTICLES)
    return folder / "comments.jsonl", folder / "articles.jsonl"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, data_files):
    """A model trained on the sample data, as ``flask train`` would save it."""
    folder = tmp_path_factory.mktemp("models")
    comments, articles = data_files
    pipelines, manifest = train_models(
        read_comments(comments), read_articles(articles), 0, THRESHOLDS, log=lambda _: None
    )
    save_version(folder, "test-model", pipelines, manifest)
    return folder


@pytest.fixture(scope="session")
def multilingual_model_dir(tmp_path_factory, data_files):
    """The sample data's model with German and Portuguese rows added: it has
    an abuse model for each of those languages."""
    folder = tmp_path_factory.mktemp("multilingual-models")
    comments, articles = data_files
    pipelines, manifest = train_models(
        read_comments(comments) + language_data.comments(),
        read_articles(articles),
        0,
        THRESHOLDS,
        log=lambda _: None,
    )
    save_version(folder, "multilingual-model", pipelines, manifest)
    return folder


@pytest.fixture(scope="session")
def _migrated(database_url, model_dir):
    ensure_schema(_make_app(database_url, model_dir))


def _make_app(database_url, model_dir, **overrides):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MODERATION_MODEL_DIR": str(model_dir),
            # The tiny test model's scale, not the shipped model's defaults.
            "MODERATION_HOLD_ABUSIVE": 0.5,
            "MODERATION_REJECT_ABUSIVE": 0.9,
            "MODERATION_HOLD_ON_TOPIC": 0.3,
            # Jobs run at once, in the caller; tests of job workers override it.
            "MODERATION_JOBS_URL": "memory://",
            **overrides,
        }
    )


@pytest.fixture
def app_config():
    """Settings a test module may override for its app."""
    return {}


@pytest.fixture
def app(database_url, model_dir, _migrated, app_config):
    app = _make_app(database_url, model_dir, **app_config)
    # Rate-limit counts live in this process's memory: each test starts afresh.
    limiter.reset()
    yield app
    with app.app_context():
        db.session.rollback()
        for model in (
            OutboxEvent,
            Webhook,
            LabelledExample,
            Report,
            AuthorAction,
            AuthorStanding,
            Decision,
            Comment,
            Article,
            LabelledExample,
            LabelImport,
            Site,
            Moderator,
            TrainingRun,
            ModelPromotion,
        ):
            db.session.execute(delete(model))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def two_versions(app, model_dir, tmp_path):
    """A model directory holding the test model twice, as v1 (current) and v2."""
    import shutil

    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("v1", "v2"):
        shutil.copytree(model_dir / "test-model", folder / name)
    (folder / "CURRENT").write_text("v1\n")
    app.config["MODERATION_MODEL_DIR"] = str(folder)
    return folder


@pytest.fixture
def moderator(app, client):
    """A moderator signed in: the test client of the queue pages."""
    add_moderator(app)
    sign_in(client)
    return client


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def site_key(app):
    with app.app_context():
        _, key = create_site("Example Tribune")
        db.session.commit()
    return key


@pytest.fixture
def auth(site_key):
    return {"Authorization": f"Bearer {site_key}"}


@pytest.fixture
def article(client, auth):
    response = client.post("/api/v1/articles", json=sample_data.EXAMPLE_ARTICLE, headers=auth)
    assert response.status_code == 201
    return sample_data.EXAMPLE_ARTICLE
