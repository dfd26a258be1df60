"""Entry point: ``python app.py`` serves; ``flask --app app ...`` runs commands."""

import os

from moderation import create_app
from moderation.db import ensure_schema

app = create_app()

if __name__ == "__main__":
    if ensure_schema(app):
        print(
            "Created an empty database. Create a site and its API key with:\n"
            "  flask --app app sites create 'My News Site'"
        )
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
