"""/health: what a load balancer or an operator's probe reads."""

from sqlalchemy import event

from moderation.infrastructure.db import db


def test_health_needs_no_key(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": True,
        "database_writable": True,
        "model_version": "test-model",
    }


def test_health_is_degraded_when_the_database_refuses_writes(app, client):
    with app.app_context():
        engine = db.engine

    def read_only(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()
        cursor.close()

    engine.dispose()
    event.listen(engine, "checkout", read_only)
    try:
        response = client.get("/health")
    finally:
        event.remove(engine, "checkout", read_only)
        engine.dispose()
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "degraded",
        "database": True,
        "database_writable": False,
        "model_version": "test-model",
    }
    assert client.get("/health").status_code == 200
