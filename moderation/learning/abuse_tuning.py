"""Tuning the sentence encoder's top layers to read abuse: the build step
behind the abuse second stage (``abuse_stage.py``), run by ``flask vectors
tune-abuse`` before ``flask train``.

The top ``layers`` layers of all-MiniLM-L6-v2 and a logistic head on its
pooled vector are trained on the English news-comment files' training side
only: never a held-out row, and never the calibration rows on which
``flask train`` fits the stack of the two stages' scores and sets the
thresholds (the same seed must be given to both). At most ``per_source``
rows a source, so the largest file does not teach its own notion of abuse.

In news comments a group's name travels with abuse (racist comments name a
race far more often than the others do), and a tuned encoder learns the name
as abusive: tuned on the comments alone, "Black people deserve the same
rights as everyone else" scored above most abusive templates (worst BPSN
0.75 against the first stage's 0.90). So the tuning also reads sentences of
news articles that name a group, as not abusive (Dixon et al. 2018, who
added Wikipedia sentences the same way): the name alone must not say
abusive. The names are the identity templates' (``robustness.py``) with
their plurals, so those templates measure how far this worked for them, not
for groups named otherwise.

The tuning reads comments as the service gives them to the stage, through
the normaliser (look-alike letters mapped, links one token). The shipped
stage was tuned on comments as written (``--as-written`` tunes it so);
on the news calibration rows the two readings' tuned logits rank within
0.002 ROC-AUC of each other (``benchmarks/abuse_tuning_choice.py``,
README).

Needs PyTorch, a build extra (``pip install torch==2.13.0``): the service
runs the result with numpy (``encoder.py``).
"""

import math
import random
import re
from dataclasses import replace

import numpy as np
import torch

from moderation.learning.abuse_estimate import PER_SOURCE, tuning_rows
from moderation.learning.abuse_stage import AbuseStage
from moderation.learning.examples import LabelledComment
from moderation.learning.robustness import IDENTITIES
from moderation.learning.second_stage import COMMENT_TOKENS
from moderation.learning.textnorm import normalise
from moderation.learning.torch_encoder import TorchEncoder, check_same_pass

BATCH = 32
# Two layers kept most of six layers' gain on held-out news comments at a
# third of the stored weights and of the tuning time (README: chosen seeing
# those held-out rows).
LAYERS = 2
LEARNING_RATE = 3e-5
HEAD_LEARNING_RATE = 1e-3
# Article sentences naming a group read as not abusive, at most. Capping
# each name at 30 sentences instead (so "old" and "white" count no more than
# "deaf") measured worse on the identity templates (worst BPSN 0.83 against
# 0.87), within the spread of one tuning run to another.
NAMING_SENTENCES = 2000
NAME_RE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, IDENTITIES), key=len, reverse=True)) + r")s?\b",
    re.IGNORECASE,
)
SENTENCE_RE = re.compile(r"[^.!?\n]{20,300}[.!?]")


def naming_sentences(article_texts, seed: int, limit: int = NAMING_SENTENCES) -> list:
    """Sentences of news articles that name a group (a seeded sample of at
    most ``limit``), as rows labelled not abusive."""
    found = sorted(
        {
            sentence.strip()
            for text in article_texts
            for sentence in SENTENCE_RE.findall(text)
            if NAME_RE.search(sentence)
        }
    )
    chosen = random.Random(seed).sample(found, min(limit, len(found)))
    return [
        LabelledComment(f"article-sentence-{i}", text, 0, None, None, "article-sentences", None)
        for i, text in enumerate(chosen)
    ]


def tune_abuse(
    encoder,
    comments,
    seed: int = 0,
    layers: int = LAYERS,
    per_source: int = PER_SOURCE,
    epochs: int = 1,
    log=print,
    article_texts=(),
    normalised: bool = True,
) -> AbuseStage:
    """An unfitted ``AbuseStage`` whose layers and head were tuned on
    ``comments``' news rows (``tuning_rows``) and the sentences of
    ``article_texts`` that name a group (``naming_sentences``)."""
    rows = tuning_rows(comments, seed, per_source)
    if len({c.abusive for c in rows}) < 2:
        raise ValueError("tuning needs news comments labelled both abusive and not")
    naming = naming_sentences(article_texts, seed)
    log(f"tuning: {len(rows)} news comments, {len(naming)} article sentences naming a group")
    rows += naming
    if normalised:
        rows = [replace(c, text=normalise(c.text)) for c in rows]
    check_same_pass(encoder)
    torch.manual_seed(seed)
    model = TorchEncoder(encoder, tuned_layers=layers)
    head = torch.nn.Linear(model.word.shape[1], 1)
    fit(model, head, rows, random.Random(seed), epochs, log=log)
    first_tuned = model.layers - layers
    tuned = {
        key.replace("_", ".", 1): value.detach().numpy()
        for key, value in model.weights.items()
        if key[0].isdigit() and int(key.split("_")[0]) >= first_tuned
    }
    stage = AbuseStage(tuned, head.weight.detach().numpy()[0], float(head.bias.detach().numpy()[0]))
    _check_export(stage.attach(encoder), model, head, [c.text for c in rows[:16]])
    return stage


def _check_export(stage, model, head, texts) -> None:
    """Stop unless the numpy pass of the stored stage gives PyTorch's
    logits: a layer lost on the way would otherwise ship unnoticed (the
    stored weights are float16, hence the tolerance)."""
    with torch.no_grad():
        theirs = head(model(texts, COMMENT_TOKENS, unit=False)).squeeze(1).numpy()
    gap = float(np.abs(stage.tuned_logits(texts) - theirs).max())
    if gap > 0.05:
        raise ValueError(f"the tuned stage's numpy logits differ from PyTorch's by {gap}")


def fit(model, head, rows, rng, epochs: int = 1, learning_rate: float = LEARNING_RATE, log=print):
    """Train ``model``'s tunable layers and ``head`` on ``rows`` (binary
    cross-entropy on ``abusive``), reading COMMENT_TOKENS as served."""
    tuned = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": tuned, "lr": learning_rate},
            {"params": list(head.parameters()), "lr": HEAD_LEARNING_RATE},
        ],
        weight_decay=0.01,
    )
    step, total = 0, epochs * math.ceil(len(rows) / BATCH)
    for _ in range(epochs):
        for batch in batches(rows, rng):
            logits = head(model([c.text for c in batch], COMMENT_TOKENS, unit=False)).squeeze(1)
            labels = torch.tensor([float(c.abusive) for c in batch])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(tuned + list(head.parameters()), 1.0)
            optimiser.step()
            step += 1
            if step % 50 == 0 or step == total:
                log(f"tuning: step {step}/{total}, loss {loss.item():.3f}")


def batches(rows, rng) -> list[list]:
    """Batches of similar length (padding costs as much as text), in random order."""
    rows = list(rows)
    rng.shuffle(rows)
    out = []
    for start in range(0, len(rows), BATCH * 20):
        block = sorted(rows[start : start + BATCH * 20], key=lambda r: len(r.text))
        out += [block[i : i + BATCH] for i in range(0, len(block), BATCH)]
    rng.shuffle(out)
    return out
