"""Scoring comments with a loaded model version: both axes, their attributes
and explanations from one pass over a batch.

A ``Scorer`` holds a version's pipelines and the weights read from them
(relevance.py), and serves the variants a site's settings ask for
(``served``: where the sentence encoders read). Loading, once per process,
is loaded_models.py's.
"""

import copy
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import sklearn

from moderation.learning.attributes import SPAM, TOXICITY
from moderation.learning.explain import explained
from moderation.learning.languages import primary_subtag
from moderation.learning.multilingual import reading_languages
from moderation.learning.relevance import RelevanceWeights
from moderation.learning.shared_layers import SharedLayers

WORDS_KEPT = 65_536


@dataclass(frozen=True)
class Scores:
    abusive: float
    on_topic: float | None
    # {"abusive": [Span, ...], "on_topic": [Span, ...]} when asked for.
    explanations: dict | None = None
    # Perspective attribute -> probability, for each attribute with a model.
    attributes: dict[str, float] = field(default_factory=dict)
    # The language the abuse score was read in (ISO 639-1).
    language: str = "en"


class Scorer:
    def __init__(
        self, version: str, abuse, on_topic, second_stage=None, languages=None, abuse_stage=None
    ):
        self.version = version
        self.abuse = abuse
        # The tuned encoder layers refining English abuse scores
        # (abuse_stage.py); they run on the second stage's encoder.
        self.abuse_stage = abuse_stage
        if abuse_stage is not None and not abuse_stage.attached:
            abuse_stage.attach(second_stage.encoder)
        if abuse_stage is not None and abuse_stage.estimate is not None:
            # The estimate reads the on-topic stage's word vectors.
            abuse_stage.estimate.attach(on_topic.named_steps["features"].word_vectors_)
        # Abuse in other languages (multilingual.py); None in models trained
        # on English only, which read every comment as English.
        self.languages = languages
        self.on_topic = on_topic
        # The sentence encoder for the on-topic scores the first stage is
        # unsure of (second_stage.py); None in models trained without one.
        self.second_stage = second_stage
        self.encoder_reads = True
        # First-stage logits the encoder reads between; None: the stage's
        # own band, exact at every threshold it serves.
        self.encoder_band = None
        # Whether the abuse stage's encoder reads (English comments), and
        # the thresholds it reads near (``decisive``; empty: everywhere).
        self.abuse_reads = True
        self.abuse_deciding: tuple[float, ...] = ()
        self._root = self
        self._variants: dict[tuple, Scorer] = {}
        self.relevance = RelevanceWeights(on_topic)
        # Explanations normalise comments word by word; words repeat.
        normaliser = abuse.named_steps["normalise"].normaliser_
        self.normalise_word = functools.lru_cache(maxsize=WORDS_KEPT)(normaliser)
        self.attribute_names = tuple(abuse[-1].names_)

    def served(
        self,
        on_topic: str = "all",
        abuse: str = "all",
        hold_on_topic: float | None = None,
        abuse_thresholds: tuple[float, ...] = (),
    ) -> "Scorer":
        """This scorer as a site's settings serve it (caches shared).

        ``on_topic``: where the on-topic stage's encoder reads: ``all``, its
        band, exact at every threshold it serves; ``decisive``, only where it
        could change the decision at ``hold_on_topic`` (about half as many
        news comments, the same decisions at a threshold from 0.1 to 0.6);
        ``off``, never (each comment gets the typical similarity: the second
        stage's scale, so the same threshold applies). ``abuse``: ``all``,
        the abuse stage's encoder reads every English comment; ``decisive``,
        only those whose decision at ``abuse_thresholds`` (the site's hold
        and reject) the first stage's features leave in doubt; ``off``, none
        (each gets the score for comments not read: abuse_stage.py)."""
        root = self._root
        if root.second_stage is None:
            on_topic = "off"
        if root.abuse_stage is None:
            abuse = "off"
        elif abuse == "decisive" and not abuse_thresholds:
            raise ValueError("decisive abuse reading needs the thresholds it decides at")
        elif abuse == "decisive" and not root.abuse_stage.decides:
            # A stage fitted before the estimate cannot tell: it reads all.
            abuse = "all"
        key = (
            on_topic,
            abuse,
            hold_on_topic if on_topic == "decisive" else None,
            tuple(abuse_thresholds) if abuse == "decisive" else (),
        )
        variant = root._variants.get(key)
        if variant is None:
            variant = copy.copy(root)
            variant.encoder_reads = on_topic != "off"
            variant.abuse_reads = abuse != "off"
            variant.abuse_deciding = key[3]
            if on_topic == "decisive":
                variant.encoder_band = root.second_stage.band_for((hold_on_topic,))
            root._variants[key] = variant
        return variant

    @property
    def without_encoder(self) -> "Scorer":
        """Neither encoder reading: for batches, and sites that turn them off."""
        return self.served("off", "off")

    def deciding_at(self, hold_on_topic: float) -> "Scorer":
        """The on-topic encoder reading only where it could change the
        decision at ``hold_on_topic`` (``served``'s ``decisive``)."""
        return self.served("decisive", "all", hold_on_topic)

    def score(
        self,
        texts: Sequence[str],
        articles: Sequence[str | None],
        threads: Sequence[str | None] | None = None,
        explain: bool | Callable[[Scores], bool] = False,
        spoken: Sequence[str | None] | None = None,
    ) -> list[Scores]:
        """Score many comments at once.

        ``articles[i]`` is the text of the article of ``texts[i]`` (None when
        unknown); ``threads[i]`` the text of its parent and earlier comments.
        ``explain`` is True to explain every comment, or a test of a comment's
        scores (such as "the policy would hold it"): the explanations come
        from the same feature vectors as the scores, in the same pass.
        ``spoken[i]`` is the language to read ``texts[i]`` in, when the
        caller knows it (Perspective's ``languages``); None: detected.
        """
        if not texts:
            return []
        # The pipelines' inputs come from their own fitted steps: skipping
        # scikit-learn's re-validation of each step cuts a third of the time
        # of scoring one comment.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self._score(list(texts), articles, threads, explain, spoken)

    def _score(self, texts, articles, threads, explain, spoken) -> list[Scores]:
        # The abuse pipeline's steps called directly: each is a dictionary
        # lookup per token and one sparse product (textfeatures.py).
        normalised = self.abuse.named_steps["normalise"].transform(texts)
        features = self.abuse.named_steps["features"].transform(normalised)
        attributes = self.abuse[-1].predict_attributes(features)
        spoken = self.languages_of(texts, spoken)
        shared = self._shared_layers()
        if self.abuse_stage is not None:
            english = [i for i, language in enumerate(spoken) if language == "en"]
            if english:
                attributes[TOXICITY][english], _ = self.abuse_stage.refine(
                    attributes[TOXICITY][english],
                    [normalised[i] for i in english],
                    read=self.abuse_reads,
                    shared=shared,
                    features=features if len(english) == len(texts) else features[english],
                    deciding=self.abuse_deciding,
                )
        on_topic: list[float | None] = [None] * len(texts)
        known = [i for i, article in enumerate(articles) if article]
        items = [(texts[i], articles[i], threads[i] if threads else None) for i in known]
        if known:
            probabilities = self.relevance.probabilities(items)
            if self.second_stage is not None:
                probabilities, _ = self.second_stage.refine(
                    probabilities,
                    [item[0] for item in items],
                    [item[1] for item in items],
                    read=self.encoder_reads,
                    band=self.encoder_band,
                    shared=shared,
                )
            for i, probability in zip(known, probabilities):
                on_topic[i] = _probability(probability)
        scores = [
            Scores(
                _probability(attributes[TOXICITY][i]),
                on_topic[i],
                None,
                {name: _probability(values[i]) for name, values in attributes.items()},
            )
            for i in range(len(texts))
        ]
        elsewhere = [i for i, language in enumerate(spoken) if language != "en"]
        if elsewhere:
            read = self.languages.predict_proba([(texts[i], spoken[i]) for i in elsewhere])
            for i, probability in zip(elsewhere, read[:, 1]):
                scores[i] = _read_in(scores[i], _probability(probability), spoken[i])
        if not explain:
            return scores
        chosen = [i for i, s in enumerate(scores) if explain is True or explain(s)]
        return explained(self, scores, chosen, texts, features, known, items, spoken)

    def _shared_layers(self) -> SharedLayers | None:
        """Where both stages' encoders read, the layers they share run once
        for a comment both read (shared_layers.py): about 30% of a single
        post's scoring time."""
        if not (self.abuse_stage and self.second_stage and self.abuse_reads and self.encoder_reads):
            return None
        return SharedLayers.between(self.abuse_stage.encoder, self.second_stage.encoder)

    def languages_of(self, texts, spoken=None) -> list[str]:
        """The language each comment's abuse is read in (multilingual.py)."""
        return reading_languages(self.languages, texts, spoken)

    @property
    def languages_read(self) -> tuple[str, ...]:
        """The languages besides English that abuse has a model for."""
        return self.languages[-1].languages_ if self.languages is not None else ()

    def reads(self, language: str, attribute: str) -> bool:
        """Whether ``attribute`` has a model for comments in ``language``."""
        language = primary_subtag(language)
        if language == "en":
            return attribute in self.attribute_names
        return attribute == TOXICITY and language in self.languages_read


def _read_in(scores: Scores, abusive: float, language: str) -> Scores:
    """Scores of a comment in another language: abuse from that language's
    model; of the English heads only SPAM (links and offers read much the
    same in any language), never INSULT or PROFANITY."""
    attributes = {TOXICITY: abusive}
    if SPAM in scores.attributes:
        attributes[SPAM] = scores.attributes[SPAM]
    return replace(scores, abusive=abusive, attributes=attributes, language=language)


def _probability(value) -> float:
    """Four decimals, never exactly 0 or 1: no model is certain, and a
    threshold of 1 must mean "never" (MODERATION_REJECT_ABUSIVE=1 turns
    automatic rejection off)."""
    return min(max(round(float(value), 4), 0.0001), 0.9999)
