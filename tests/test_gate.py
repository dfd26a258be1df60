"""The evaluation gate: a candidate goes live only when every check was
measured and none dropped by more than the tolerance. It fails closed."""

import copy
import dataclasses

import pytest

from moderation.domain.policy import Thresholds
from moderation.learning import gate
from moderation.learning.examples import LabelledComment
from moderation.learning.gate import compare, judge
from moderation.learning.loaded_models import load_scorer
from moderation.learning.splits import group_of, in_validation
from tests import sample_data

SITE, ALL, ON_TOPIC = (label for label, _ in gate.CHECKS)
BPSN, BNSP = (label for label, _ in gate.IDENTITY_CHECKS)


def report(site=None, abuse=None, on_topic=None) -> dict:
    """An evaluation report (as ``evaluate`` writes it) holding these AUCs."""
    built = {"files": {"all": {}}, "sources": {}}
    if site is not None:
        built["sources"]["site"] = {"abuse": {"roc_auc": site}}
    if abuse is not None:
        built["files"]["all"]["abuse"] = {"roc_auc": abuse}
    if on_topic is not None:
        built["files"]["all"]["on_topic"] = {"own_vs_other_roc_auc": on_topic}
    return built


LIVE = report(site=0.8, abuse=0.9, on_topic=0.7)


def by_check(verdict) -> dict:
    return {c["check"]: c for c in verdict["checks"]}


def test_a_candidate_as_good_on_every_check_passes():
    verdict = judge(LIVE, report(site=0.85, abuse=0.9, on_topic=0.75), tolerance=0.01)
    assert verdict["passed"] is True
    assert verdict["failed"] == []
    assert verdict["tolerance"] == 0.01
    # The names the CLI and the admin page show.
    assert [c["check"] for c in verdict["checks"]] == [
        "abuse ROC-AUC, site's labels",
        "abuse ROC-AUC, all held out",
        "on-topic ROC-AUC, all held out",
    ]
    assert all(c["passed"] and c["reason"] == "" for c in verdict["checks"])
    assert by_check(verdict)[SITE] == {
        "check": SITE,
        "live": 0.8,
        "candidate": 0.85,
        "passed": True,
        "reason": "",
    }


@pytest.mark.parametrize(
    "worse, failing",
    [
        (report(site=0.7, abuse=0.9, on_topic=0.7), SITE),
        (report(site=0.8, abuse=0.85, on_topic=0.7), ALL),
        (report(site=0.8, abuse=0.9, on_topic=0.6), ON_TOPIC),
    ],
)
def test_each_check_alone_refuses_a_candidate_that_is_worse_on_it(worse, failing):
    verdict = judge(LIVE, worse, tolerance=0.01)
    assert verdict["passed"] is False
    checks = by_check(verdict)
    assert [name for name, c in checks.items() if not c["passed"]] == [failing]
    assert checks[failing]["reason"] == "dropped more than 0.01"
    assert verdict["failed"] == [f"{failing} (dropped more than 0.01)"]


@pytest.mark.parametrize(
    "live, candidate, tolerance, passed",
    [
        # A drop of exactly the tolerance is accepted ...
        (0.8, 0.7, 0.1, True),
        # ... even where float subtraction lands a hair above the boundary
        # (0.5006 - 0.01 is 0.49060000000000004).
        (0.5006, 0.4906, 0.01, True),
        (0.9, 0.89, 0.01, True),
        # ... and one ten-thousandth more (AUCs have four places) is not.
        (0.9, 0.8899, 0.01, False),
        (0.5006, 0.4905, 0.01, False),
        # Zero tolerance: equal passes, any drop fails.
        (0.9, 0.9, 0.0, True),
        (0.9, 0.8999, 0.0, False),
    ],
)
def test_tolerance_is_inclusive_at_its_boundary(live, candidate, tolerance, passed):
    verdict = judge(report(site=live), report(site=candidate), tolerance, checks=gate.CHECKS[:1])
    assert verdict["passed"] is passed
    assert by_check(verdict)[SITE]["passed"] is passed


def test_by_default_a_candidate_may_trail_by_one_hundredth():
    assert gate.DEFAULT_TOLERANCE == 0.01
    trailing = report(site=0.79, abuse=0.89, on_topic=0.69)
    assert judge(LIVE, trailing, gate.DEFAULT_TOLERANCE)["passed"] is True
    further = report(site=0.7899, abuse=0.89, on_topic=0.69)
    assert judge(LIVE, further, gate.DEFAULT_TOLERANCE)["passed"] is False


@pytest.mark.parametrize(
    "candidate, reason",
    [
        (report(abuse=0.9, on_topic=0.7), "missing for candidate"),
        (report(site=None, abuse=0.95, on_topic=0.8), "missing for candidate"),
    ],
)
def test_a_check_the_candidate_cannot_be_measured_on_fails_and_is_named(candidate, reason):
    verdict = judge(LIVE, candidate, tolerance=0.01)
    assert verdict["passed"] is False
    site = by_check(verdict)[SITE]
    assert site == {
        "check": SITE,
        "live": 0.8,
        "candidate": None,
        "passed": False,
        "reason": reason,
    }
    assert verdict["failed"] == [f"{SITE} (missing for candidate)"]
    assert by_check(verdict)[ALL]["passed"] and by_check(verdict)[ON_TOPIC]["passed"]


def test_a_figure_missing_for_the_live_model_also_fails():
    verdict = judge(report(abuse=0.9), report(site=0.99, abuse=0.9), tolerance=0.01)
    checks = by_check(verdict)
    assert checks[SITE]["reason"] == "missing for live"
    assert checks[ON_TOPIC]["reason"] == "missing for live and candidate"
    assert checks[ALL]["passed"] is True
    assert verdict["passed"] is False
    assert verdict["failed"] == [
        f"{SITE} (missing for live)",
        f"{ON_TOPIC} (missing for live and candidate)",
    ]


def test_a_value_of_none_counts_as_missing():
    # evaluate writes roc_auc None when the rows hold a single class.
    none_report = {"files": {"all": {"abuse": {"roc_auc": None}}}, "sources": {}}
    verdict = judge(none_report, none_report, tolerance=0.5)
    assert verdict["passed"] is False
    assert by_check(verdict)[ALL]["reason"] == "missing for live and candidate"


def test_empty_reports_are_refused_with_every_check_named():
    verdict = judge({}, {}, tolerance=1.0)
    assert verdict["passed"] is False
    assert verdict["failed"] == [
        f"{name} (missing for live and candidate)" for name, _ in gate.CHECKS
    ]


def test_an_empty_set_of_checks_is_no_evidence_and_is_refused():
    verdict = judge(LIVE, LIVE, tolerance=0.01, checks=())
    assert verdict["passed"] is False
    assert verdict["checks"] == []
    assert verdict["failed"] == ["no checks were run"]


def site_rows():
    """Site labels over 30 stories: insults and on-topic remarks, enough for
    the held-out share to hold both classes and several articles."""
    rows, articles = [], {}
    topics = list(sample_data.ON_TOPIC.items())
    for k in range(30):
        source_id, remarks = topics[k % len(topics)]
        source = next(a for a in sample_data.ARTICLES if a["id"] == source_id)
        story = f"story-{k}"
        articles[story] = {"text": f"{source['title']}\n{source['body']}", "source": "site"}
        for i, text in enumerate(remarks[:3]):
            rows.append(LabelledComment(f"{story}-ok-{i}", text, 0, 1, story, "site", None))
        insult = sample_data.ABUSIVE[k % len(sample_data.ABUSIVE)]
        rows.append(LabelledComment(f"{story}-insult", insult, 1, None, story, "site", None))
    return rows, articles


def test_compare_passes_the_same_model_when_every_check_is_measured(model_dir):
    scorer = load_scorer(model_dir, "test-model")
    rows, articles = site_rows()
    verdict = compare(scorer, scorer, rows, articles, Thresholds(), seed=0, tolerance=0.0)
    assert verdict["live_version"] == verdict["candidate_version"] == "test-model"
    assert [c["check"] for c in verdict["checks"]] == [
        SITE,
        ALL,
        ON_TOPIC,
        BPSN,
        BNSP,
        "languages read besides English",
    ]
    assert all(c["live"] is not None and c["live"] == c["candidate"] for c in verdict["checks"])
    assert verdict["passed"] is True


def test_compare_refuses_a_candidate_worse_for_a_group_of_people(model_dir, monkeypatch):
    """Identity templates: the worst BPSN and BNSP AUC over groups may not
    drop by more than the tolerance."""
    live = load_scorer(model_dir, "test-model")
    candidate = copy.copy(live)

    def worse_for_the_candidate(scorer):
        value = 0.9 if scorer is live else 0.8
        return {"worst": {"bpsn_auc": {"term": "x", "value": value}, "bnsp_auc": {"value": 0.9}}}

    monkeypatch.setattr(gate, "identity_bias", worse_for_the_candidate)
    rows, articles = site_rows()
    verdict = compare(live, candidate, rows, articles, Thresholds(), seed=0, tolerance=0.05)
    checks = by_check(verdict)
    assert not checks[BPSN]["passed"] and checks[BPSN]["reason"] == "dropped more than 0.05"
    assert checks[BNSP]["passed"] and verdict["passed"] is False


def test_compare_refuses_when_there_are_no_site_labels(model_dir):
    """The bug this gate had: with no evaluable site labels the site check
    was dropped, and a candidate was promoted on the other checks alone."""
    scorer = load_scorer(model_dir, "test-model")
    rows, articles = site_rows()
    public = [dataclasses.replace(r, source="news") for r in rows]
    verdict = compare(scorer, scorer, public, articles, Thresholds(), seed=0, tolerance=0.0)
    checks = by_check(verdict)
    assert checks[SITE]["reason"] == "missing for live and candidate"
    assert checks[ALL]["passed"] and checks[ON_TOPIC]["passed"]
    assert verdict["passed"] is False


def test_compare_refuses_an_empty_set_of_rows(model_dir):
    scorer = load_scorer(model_dir, "test-model")
    verdict = compare(scorer, scorer, [], {}, Thresholds(), seed=0, tolerance=1.0)
    assert verdict["passed"] is False
    assert len(verdict["failed"]) == len(gate.CHECKS)


def test_compare_judges_only_on_the_held_out_rows(model_dir):
    """Site labels that all sit on the training side of the split are no
    evidence about the candidate: the site check is missing."""
    scorer = load_scorer(model_dir, "test-model")
    rows, articles = site_rows()
    trained_on = [r for r in rows if not in_validation(group_of(r), 0)]
    assert trained_on and len(trained_on) < len(rows)
    verdict = compare(scorer, scorer, trained_on, articles, Thresholds(), seed=0, tolerance=0.0)
    assert by_check(verdict)[SITE]["reason"] == "missing for live and candidate"
    assert verdict["passed"] is False


def test_a_candidate_that_stops_reading_a_language_is_refused(model_dir, multilingual_model_dir):
    """Retrained without the other languages' files, a candidate would read
    German comments with the English model again; no English AUC shows it."""
    multilingual = load_scorer(multilingual_model_dir, keep=False)
    english_only = load_scorer(model_dir, keep=False)
    lost = gate.languages_check(multilingual, english_only)
    assert not lost["passed"] and lost["reason"] == "would no longer read de, pt"
    assert gate.languages_check(english_only, multilingual)["passed"]
    assert gate.languages_check(multilingual, multilingual)["passed"]
