"""A real job queue in a test: jobs wait in it until the test runs them as
a worker would, or loses them as a worker that died would."""


def waiting_queue(tmp_path) -> dict:
    """Settings (``app_config``) whose jobs wait in a queue for a worker."""
    return {"MODERATION_JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}"}


def queued(app) -> list[str]:
    return [task.name for task in app.extensions["jobs"].queue.pending()]


def lose_the_queued_jobs(app) -> None:
    """What a worker that took them and died leaves: nothing in the queue."""
    app.extensions["jobs"].queue.flush()


def run_the_queued_jobs(app) -> None:
    """What a worker does with the queue."""
    queue = app.extensions["jobs"].queue
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
