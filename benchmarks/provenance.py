"""What every benchmark result carries: the command that produced it, the
commit it measured, the machine, and how busy the machine was.

The benchmarks run on a shared 2-core machine: a figure means little
without the load it was taken under, and nothing without the code it
measured. Each script records ``machine()`` when it starts and
``finished(meta)`` when it ends, beside the n of every row.
"""

import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command() -> str:
    """The command line, as typed from the project root where it can be."""
    return shlex.join([_from_root(sys.executable), _from_root(sys.argv[0]), *sys.argv[1:]])


def commit() -> str:
    """HEAD, with "-dirty" when tracked files had uncommitted changes (an
    untracked file, such as the venv's link, changes no measured code)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "HEAD") + ("-dirty" if dirty else "")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    return {
        "command": command(),
        "commit": commit(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_start": load_average(),
        "started_at": _now(),
    }


def finished(meta: dict) -> dict:
    meta.update(load_average_end=load_average(), finished_at=_now())
    return meta


def describe(meta: dict) -> str:
    """The lines a script prints first, so a pasted table keeps its context."""
    return (
        f"command: {meta['command']}\ncommit: {meta['commit']}  cpus: {meta['cpus']}"
        f"  load average at start: {meta['load_average_start']}"
    )


def _from_root(path: str) -> str:
    # Not resolved: the venv's python is a link, and the link is what was run.
    absolute = Path(os.path.abspath(path))
    return str(absolute.relative_to(ROOT)) if absolute.is_relative_to(ROOT) else path


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
