"""The evaluation gate: a new model goes live only if it is not worse.

The candidate and the live model are scored on the same frozen test rows:
the held-out side (by the candidate's seed) of the training files and of
the site's own labels. On each axis the candidate may trail the live model
by at most ``tolerance`` ROC-AUC; on the site's labels and overall alike.
"""

from .evaluation import evaluate

DEFAULT_TOLERANCE = 0.01
SITE_SOURCE = "site"


def compare(live, candidate, comments, articles, thresholds, seed, tolerance) -> dict:
    """Both scorers on the same held-out rows; ``passed`` when no check fails."""
    reports = {
        name: evaluate(
            scorer,
            [("all", comments)],
            articles,
            thresholds,
            seed=seed,
            held_out_only=True,
            extras=False,
        )
        for name, scorer in (("live", live), ("candidate", candidate))
    }
    checks = []
    for label, path in (
        ("abuse ROC-AUC, site's labels", ("sources", SITE_SOURCE, "abuse", "roc_auc")),
        ("abuse ROC-AUC, all held out", ("files", "all", "abuse", "roc_auc")),
        ("on-topic ROC-AUC, all held out", ("files", "all", "on_topic", "own_vs_other_roc_auc")),
    ):
        live_value, candidate_value = (_dig(reports[name], path) for name in ("live", "candidate"))
        if live_value is None or candidate_value is None:
            continue
        checks.append(
            {
                "check": label,
                "live": live_value,
                "candidate": candidate_value,
                "passed": candidate_value >= live_value - tolerance,
            }
        )
    return {
        "live_version": live.version,
        "candidate_version": candidate.version,
        "tolerance": tolerance,
        "checks": checks,
        "passed": all(check["passed"] for check in checks),
    }


def _dig(report, path):
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report
