#!/bin/sh
# Mutation testing (mutmut 2): each module is mutated with only its own unit
# tests as the judge, so the whole run takes minutes. Prints one line per
# module: mutants killed of those tried, and the score.
#
#   sh benchmarks/mutation.sh            # every module below
#   sh benchmarks/mutation.sh gate       # only the lines whose name matches
#
# mutmut edits the module in place and restores it; do not edit the tree
# while this runs. Survivors of the last module: .venv/bin/mutmut results
set -eu
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
ONLY="${1:-}"
# pytest's plugins (hypothesis, playwright, schemathesis) are not needed by
# these unit tests and would double the start-up time of every mutant's run.
export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1

score() {
    "$PY" - "$1" <<'PYTHON'
import sqlite3, sys
statuses = dict(sqlite3.connect(".mutmut-cache").execute(
    "SELECT status, count(*) FROM Mutant GROUP BY status").fetchall())
killed = statuses.get("ok_killed", 0) + statuses.get("ok_suspicious", 0)
# A timeout means the mutant made the tests hang: caught, counted as killed.
killed += statuses.get("bad_timeout", 0)
total = sum(statuses.values()) - statuses.get("skipped", 0)
print(f"| {sys.argv[1]} | {killed} / {total} | {100 * killed / total:.0f}% |"
      f" {statuses.get('bad_survived', 0)} survived |")
PYTHON
}

mutate() {
    name=$1 module=$2
    shift 2
    case "$name" in *"$ONLY"*) ;; *) return 0 ;; esac
    rm -f .mutmut-cache
    # A mutant of the same size written within the same second as the last
    # one would otherwise be skipped by Python's stale bytecode check.
    find moderation -name "$(basename "$module" .py).*.pyc" -delete
    # If this is interrupted, put the module back as it was.
    trap 'if [ -f "$module.bak" ]; then mv "$module.bak" "$module"; fi' EXIT INT TERM
    # mutmut 2 counts only exit status 1 as a kill; a mutant that breaks the
    # import (pytest's status 2) would pass as a survivor, so map any
    # failure to 1. mutmut exits non-zero when a mutant survives: the score
    # says how many.
    PYTHONDONTWRITEBYTECODE=1 nice -n 10 "$PWD/.venv/bin/mutmut" run \
        --paths-to-mutate "$module" --no-progress \
        --runner "sh -c '$PY -B -m pytest -x -q -p no:cacheprovider $* || exit 1'" \
        >/dev/null 2>&1 || true
    # mutmut itself puts the module back, unless it was killed mid-mutant.
    if [ -f "$module.bak" ]; then mv "$module.bak" "$module"; fi
    trap - EXIT INT TERM
    score "$name ($module; $*)"
}

echo "| module | killed / mutants | score | |"
echo "|---|---|---|---|"
# The policy's tests need no fixtures: skip conftest.py and its imports.
mutate policy moderation/domain/policy.py --noconftest tests/test_policy.py
mutate gate moderation/learning/gate.py tests/test_gate.py
# The feed's ordering by transaction id runs only on PostgreSQL: judge it
# there by naming the database, as .ci/run does, in MODERATION_TEST_DATABASE_URL.
mutate feed moderation/domain/feed.py tests/test_feed.py
mutate decisions moderation/domain/comments.py tests/test_comments.py
mutate signing moderation/domain/webhook_signing.py --noconftest tests/test_webhook_signing.py
mutate webhooks moderation/domain/webhooks.py tests/test_webhooks.py
