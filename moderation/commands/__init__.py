"""The ``flask --app app ...`` commands operators run, one module per subject."""

from moderation.commands import (
    account_commands,  # noqa: F401  (adds its commands to the sites and moderators groups)
    job_commands,
    model_commands,
    service_commands,
    vectors_commands,
)


def init_app(app) -> None:
    service_commands.init_app(app)
    model_commands.init_app(app)
    job_commands.init_app(app)
    vectors_commands.init_app(app)
