"""The evaluation gate: a new model goes live only if it is not worse.

The candidate and the live model are scored on the same frozen test rows:
the held-out side (by the candidate's seed) of the training files and of
the site's own labels. On each axis the candidate may trail the live model
by at most ``tolerance`` ROC-AUC; on the site's labels and overall alike.

The candidate must also not treat any group of people worse: the worst
BPSN and BNSP AUC over identity-term templates may drop by at most
``identity_tolerance`` (``MODERATION_GATE_IDENTITY_TOLERANCE``).

Nor may it stop reading a language the live model reads.

The gate fails closed: a check that cannot be measured (no held-out site
labels, a single class, no articles) is a failed check that says which
figure was missing. Only an operator's ``--force`` promotes past it.
"""

from moderation.learning.evaluation import evaluate
from moderation.learning.robustness import identity_bias

DEFAULT_TOLERANCE = 0.01
# 396 template sentences move a worst-group AUC in coarser steps than
# thousands of held-out rows move an AUC.
DEFAULT_IDENTITY_TOLERANCE = 0.05
SITE_SOURCE = "site"
# AUCs are rounded to four places; the float subtraction must not turn a
# drop of exactly ``tolerance`` into a refusal.
ROUNDING_SLACK = 1e-9

# (what is checked, where its figure is in an evaluation report)
CHECKS = (
    ("abuse ROC-AUC, site's labels", ("sources", SITE_SOURCE, "abuse", "roc_auc")),
    ("abuse ROC-AUC, all held out", ("files", "all", "abuse", "roc_auc")),
    ("on-topic ROC-AUC, all held out", ("files", "all", "on_topic", "own_vs_other_roc_auc")),
)
# A candidate must not treat groups of people worse than the live model:
# the worst per-term AUCs of the identity templates (robustness.py).
IDENTITY_CHECKS = (
    ("worst BPSN AUC, identity templates", ("identity", "worst", "bpsn_auc", "value")),
    ("worst BNSP AUC, identity templates", ("identity", "worst", "bnsp_auc", "value")),
)


def compare(
    live,
    candidate,
    comments,
    articles,
    thresholds,
    seed,
    tolerance,
    identity_tolerance=DEFAULT_IDENTITY_TOLERANCE,
) -> dict:
    """Both scorers on the same held-out rows; ``passed`` when every check
    was measured on both and none fails."""
    live_report, candidate_report = (
        evaluate(
            scorer,
            [("all", comments)],
            articles,
            thresholds,
            seed=seed,
            held_out_only=True,
            extras=False,
        )
        for scorer in (live, candidate)
    )
    live_report["identity"] = identity_bias(live)
    candidate_report["identity"] = identity_bias(candidate)
    quality = judge(live_report, candidate_report, tolerance)
    fairness = judge(live_report, candidate_report, identity_tolerance, IDENTITY_CHECKS)
    languages = languages_check(live, candidate)
    return {
        "live_version": live.version,
        "candidate_version": candidate.version,
        "tolerance": tolerance,
        "identity_tolerance": identity_tolerance,
        "checks": quality["checks"] + fairness["checks"] + [languages],
        "passed": quality["passed"] and fairness["passed"] and languages["passed"],
        "failed": quality["failed"]
        + fairness["failed"]
        + ([] if languages["passed"] else [f"{languages['check']} ({languages['reason']})"]),
    }


def languages_check(live, candidate) -> dict:
    """The candidate must read every language the live model reads: trained
    on data without another language's files, it would send those comments
    back to the English model, and no AUC of the English rows would show it."""
    lost = sorted(set(live.languages_read) - set(candidate.languages_read))
    return {
        "check": "languages read besides English",
        "live": sorted(live.languages_read),
        "candidate": sorted(candidate.languages_read),
        "passed": not lost,
        "reason": f"would no longer read {', '.join(lost)}" if lost else "",
    }


def judge(live_report: dict, candidate_report: dict, tolerance: float, checks=CHECKS) -> dict:
    """The gate's verdict on two evaluation reports of the same rows."""
    results = []
    for label, path in checks:
        live_value, candidate_value = _dig(live_report, path), _dig(candidate_report, path)
        missing = [
            name
            for name, value in (("live", live_value), ("candidate", candidate_value))
            if value is None
        ]
        if missing:
            passed = False
            reason = f"missing for {' and '.join(missing)}"
        else:
            passed = candidate_value >= live_value - tolerance - ROUNDING_SLACK
            reason = "" if passed else f"dropped more than {tolerance}"
        results.append(
            {
                "check": label,
                "live": live_value,
                "candidate": candidate_value,
                "passed": passed,
                "reason": reason,
            }
        )
    failed = [r for r in results if not r["passed"]]
    return {
        "tolerance": tolerance,
        "checks": results,
        # No check at all is no evidence: refused.
        "passed": bool(results) and not failed,
        "failed": [f"{r['check']} ({r['reason']})" for r in failed]
        or ([] if results else ["no checks were run"]),
    }


def _dig(report, path):
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report
