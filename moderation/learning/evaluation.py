"""Measuring a model version on labelled files: the `evaluate` command.

Abuse is measured on every comment labelled abusive or not; on-topic on
comments whose article is known, each scored against its own article and
against another article of the same source (own-vs-other ROC-AUC), and
against a field of candidate articles (is its own article the top one?).
Comments labelled off-topic (spam) count as off-topic under any article.
Threads are taken from the files in their order, as the service would
have seen the comments arrive. A row's ``meta.language``, where the file
states one, is trusted as a site's stated language would be.
"""

import random
from collections import defaultdict

import numpy as np

from moderation.learning import robustness
from moderation.learning.attributes import TOXICITY
from moderation.learning.attributes import label as attribute_label
from moderation.learning.metrics import binary_report
from moderation.learning.pairs import THREAD_SIZE
from moderation.learning.splits import held_out, stated_language

TOP1_CANDIDATES = 20
# Sources of news-site comments: the robustness measures are taken on them.
NEWS_SOURCES = {"c3", "fox", "civil-comments-spans", "unhealthy-comments", "site"}
EVASION_SAMPLE = 1500


def evaluate(
    scorer, files, articles, thresholds, seed: int, held_out_only: bool, extras: bool = True
) -> dict:
    """``files`` is a list of (name, comments). With ``held_out_only``, only
    comments in the validation side of the model's split are used; without
    ``extras``, the slower on-topic measures (threads, top-1) are skipped."""
    report = {
        "model_version": scorer.version,
        "held_out_only": held_out_only,
        "thresholds": thresholds.to_json(),
        "files": {},
        "sources": {},
    }
    by_source = defaultdict(list)
    # Most files hold one source: its figures are the file's, measured once
    # (a measure scores every comment, the dearest part of the command).
    measured = {}
    for name, comments in files:
        if held_out_only:
            comments = [c for c in comments if held_out(c, seed)]
        report["files"][name] = _measure(scorer, comments, articles, thresholds, seed, extras)
        measured[_identity(comments)] = report["files"][name]
        for comment in comments:
            by_source[comment.source].append(comment)
    for source, comments in sorted(by_source.items()):
        report["sources"][source] = measured.get(_identity(comments)) or _measure(
            scorer, comments, articles, thresholds, seed, extras
        )
    if extras:
        report["robustness"] = _robustness(scorer, by_source, thresholds, seed)
    return report


def _identity(comments) -> tuple[int, ...]:
    """The same comment objects in the same order: the same measurement."""
    return tuple(id(comment) for comment in comments)


def _robustness(scorer, by_source, thresholds, seed) -> dict:
    news = [c for source in NEWS_SOURCES for c in by_source.get(source, [])]
    abusive = robustness.sample([c.text for c in news if c.abusive == 1], EVASION_SAMPLE, seed)
    return {
        "evasion": robustness.evasion(scorer, abusive, thresholds.hold_abusive),
        "identity": robustness.identity_bias(scorer),
        "contrast": robustness.contrast(scorer, thresholds.hold_abusive),
        "spans": robustness.span_f1(scorer, news, thresholds.hold_abusive),
    }


def _measure(scorer, comments, articles, thresholds, seed, extras=True) -> dict:
    result = {"rows": len(comments)}
    labelled = [c for c in comments if c.abusive is not None]
    if labelled:
        scores = scorer.score(
            [c.text for c in labelled],
            [None] * len(labelled),
            spoken=[stated_language(c) for c in labelled],
        )
        result["attributes"] = _attributes(scorer, labelled, scores)
        probabilities = [s.abusive for s in scores]
        labels = [c.abusive for c in labelled]
        abuse = binary_report(labels, probabilities, thresholds.hold_abusive)
        abuse["macro_f1_at_reject"] = binary_report(
            labels, probabilities, thresholds.reject_abusive
        )["macro_f1"]
        result["abuse"] = abuse
        if scorer.abuse_stage is not None and scorer.abuse_reads:
            # A batch's comments are not read by the abuse stage's encoder
            # (its estimate stands in): what the batch endpoint's users get.
            in_batches = scorer.without_encoder.score(
                [c.text for c in labelled],
                [None] * len(labelled),
                spoken=[stated_language(c) for c in labelled],
            )
            result["abuse_in_batches"] = binary_report(
                labels, [s.abusive for s in in_batches], thresholds.hold_abusive
            )
    if articles:
        on_topic = _measure_on_topic(scorer, comments, articles, thresholds, seed, extras)
        if on_topic:
            result["on_topic"] = on_topic
    return result


def _attributes(scorer, comments, scores) -> dict:
    """Each attribute other than TOXICITY (the abuse report itself) on the
    comments labelled for it and read in a language that has it."""
    report = {}
    for name in scorer.attribute_names:
        keep = [
            i
            for i, c in enumerate(comments)
            if attribute_label(c, name) is not None and name in scores[i].attributes
        ]
        labels = [attribute_label(comments[i], name) for i in keep]
        if name != TOXICITY and len(set(labels)) == 2:
            report[name] = binary_report(labels, [scores[i].attributes[name] for i in keep], 0.5)
    return report


def _measure_on_topic(scorer, comments, articles, thresholds, seed, extras=True) -> dict:
    rng = random.Random(seed)
    ids = sorted(articles)
    by_source = defaultdict(list)
    for article_id in ids:
        by_source[articles[article_id].get("source")].append(article_id)
    placed = [c for c in comments if c.article_id in articles and c.on_topic != 0]
    spam = [c for c in comments if c.on_topic == 0]
    result = {}
    if placed:
        others = []
        for comment in placed:
            pool = by_source[articles[comment.article_id].get("source")]
            pool = pool if len(pool) > 1 else ids
            others.append(rng.choice([a for a in pool if a != comment.article_id] or [None]))
        # With a single article there is no other one to compare against.
        placed = [c for c, other in zip(placed, others) if other is not None]
        others = [other for other in others if other is not None]
    if placed:
        own = _on_topic(scorer, [(c, c.article_id) for c in placed], articles)
        other = _on_topic(scorer, list(zip(placed, others)), articles)
        result = binary_report(
            [1] * len(own) + [0] * len(other), own + other, thresholds.hold_on_topic
        )
        result["own_vs_other_roc_auc"] = result.pop("roc_auc")
        result.update(_second_stage_share(scorer, placed, others, articles))
        if extras:
            result.update(_with_threads(scorer, placed, articles, rng))
            result.update(_top1(scorer, placed, articles, by_source, rng))
    if spam:
        result.update(_spam(scorer, spam, articles, ids, thresholds, rng))
    return result


def _spam(scorer, spam, articles, ids, thresholds, rng) -> dict:
    """Spam under a random article: alone, and in a flood (its thread the
    spam posted before it), each caught by the spam or the on-topic test."""
    chosen = [articles[rng.choice(ids)]["text"] for _ in spam]
    texts = [c.text for c in spam]
    flood = ["\n".join(texts[max(0, i - THREAD_SIZE) : i]) for i in range(len(texts))]
    result = {"spam_rows": len(spam)}
    for name, threads in (("fresh", None), ("in_flood", flood)):
        scores = scorer.score(texts, chosen, threads)
        caught = [
            s.on_topic < thresholds.hold_on_topic or s.attributes.get("SPAM", 0) >= 0.5
            for s in scores
        ]
        result[f"spam_caught_{name}"] = round(float(np.mean(caught)), 4)
        result[f"spam_scored_off_topic_{name}"] = round(
            float(np.mean([s.on_topic < thresholds.hold_on_topic for s in scores])), 4
        )
    return result


def _with_threads(scorer, placed, articles, rng) -> dict:
    """Own-vs-other ROC-AUC when the thread is known, as in the service: each
    comment with the comments before it under its article, against another
    discussed article with as many of that article's comments."""
    discussion = defaultdict(list)
    for comment in placed:
        discussion[comment.article_id].append(comment)
    own, other = [], []
    for article_id, thread in discussion.items():
        for position, comment in enumerate(thread[1:], start=1):
            size = min(THREAD_SIZE, position)
            rivals = [a for a, t in discussion.items() if a != article_id and len(t) >= size]
            if not rivals:
                continue
            rival = rng.choice(rivals)
            own.append((comment, article_id, _joined(thread[position - size : position])))
            other.append((comment, rival, _joined(discussion[rival][:size])))
    if not own:
        return {}
    scores = scorer.score(
        [c.text for c, _, _ in own + other],
        [articles[a]["text"] for _, a, _ in own + other],
        [t for _, _, t in own + other],
    )
    labels = [1] * len(own) + [0] * len(other)
    auc = binary_report(labels, [s.on_topic for s in scores], 0.5)["roc_auc"]
    return {"with_thread_comments": len(own), "own_vs_other_roc_auc_with_thread": auc}


def _joined(comments) -> str:
    return "\n".join(c.text for c in comments)


def _top1(scorer, placed, articles, by_source, rng) -> dict:
    """Share of comments whose own article outscores the other candidates:
    up to TOP1_CANDIDATES articles of its source that have comments here."""
    commented = defaultdict(set)
    for comment in placed:
        commented[articles[comment.article_id].get("source")].add(comment.article_id)
    fields = []
    for comment in placed:
        field = sorted(commented[articles[comment.article_id].get("source")] - {comment.article_id})
        field = rng.sample(field, min(len(field), TOP1_CANDIDATES - 1))
        if field:
            fields.append((comment, [comment.article_id, *field]))
    # One scoring call for all candidates: far faster than one per comment.
    flat = _on_topic(scorer, [(c, a) for c, field in fields for a in field], articles)
    hits, offset = 0, 0
    for _, field in fields:
        scores = flat[offset : offset + len(field)]
        hits += int(scores[0] > max(scores[1:]))
        offset += len(field)
    total = len(fields)
    return {"top1_comments": total, "top1_accuracy": round(hits / total, 4) if total else None}


def _second_stage_share(scorer, placed, others, articles) -> dict:
    """How many of these pairs the sentence encoder read: its cost."""
    if scorer.second_stage is None:
        return {}
    items = [
        (c.text, articles[a]["text"], None)
        for c, a in zip(placed + placed, [c.article_id for c in placed] + others)
    ]
    first = scorer.relevance.probabilities(items)
    read = scorer.second_stage.reads(first, scorer.encoder_band) & scorer.encoder_reads
    return {"second_stage_read_share": round(float(read.mean()), 4)}


def _on_topic(scorer, pairs, articles) -> list[float]:
    scores = scorer.score([c.text for c, _ in pairs], [articles[a]["text"] for _, a in pairs])
    return [s.on_topic for s in scores]
