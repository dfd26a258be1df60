"""Abuse in the languages other than English that labelled data exists for.

The English model's features are English through and through (its
normaliser's vocabulary, the distilled word vectors, the heads' weights):
German or Portuguese read through them score little better than chance. So
each other language gets a linear model of its own on hashed character and
word n-grams, which need no vocabulary and carry across spelling. Text is
normalised as for English (invisible characters, look-alikes, URLs) and then
stripped of accents, because readers (and one of the Portuguese sources)
often type without them.

One artifact holds every language: ``LanguageAbuse`` is fitted on
(text, language) pairs and answers for the languages it has a model of.
Each model is calibrated on its own held-out rows (Platt scaling) and then
moved to the abuse rate of a news comment stream (the prior shift of
Saerens et al. 2002): its training tweets were sampled at 20-80% abuse, and
the policy's thresholds are meant for news comments.
"""

import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression

from moderation.learning import languages
from moderation.learning.textnorm import normalise

CHARACTERS = HashingVectorizer(
    analyzer="char_wb", ngram_range=(2, 5), n_features=2**18, alternate_sign=False, norm=None
)
WORDS = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    n_features=2**17,
    alternate_sign=False,
    norm=None,
    token_pattern=r"(?u)\b\w+\b",
)
WIDTH = CHARACTERS.n_features + WORDS.n_features
# How sure the detector must be before a comment leaves the English model.
# Measured on the training files: at 0.8, 0-0.04% of the rows of each
# English source go to another language's model (0.4% of Impermium's, much
# of it Italian), against up to 0.3% at 0.5 ("Idiotic comment." read as
# French, "@USER Die bitch" as German); 84-99% of each other language's rows
# are read in their language (ToLD-Br 85%, GermEval 99%).
OTHER_LANGUAGE_CONFIDENCE = 0.8
# Function words (articles, pronouns, prepositions, conjunctions, common
# auxiliaries), accents folded: explanations never show one on its own.
# Written out rather than learnt: the most frequent words of these tweet
# sets include their topics and their swearing.
STOP_WORDS = {
    language: frozenset(words.split())
    for language, words in {
        "de": "der die das den dem des ein eine einen einem einer und oder aber als wie zu"
        " in im an am auf aus bei mit nach von vor fur uber um zum zur ich du er sie es wir"
        " ihr mich dich sich mir dir uns ist sind war bin bist hat haben wird werden nicht"
        " auch noch nur schon so da dass wenn was wer man ja",
        "pt": "o a os as um uma uns umas de do da dos das em no na nos nas por pelo pela para"
        " pra com e ou mas que se eu tu ele ela nos voce voces eles elas me te lhe seu sua"
        " meu minha isso isto esse essa este esta ser e sao foi tem ter nao sim ja mais muito",
        "fr": "le la les l un une des de du d et ou mais que qu qui ce c cet cette ces je j tu"
        " il elle on nous vous ils elles me m te t se s lui leur mon ma mes ton ta tes son sa"
        " ses en dans sur pour par avec au aux est sont etre a ai as ont ne n pas plus y",
        "it": "il lo la i gli le l un uno una di del della dei delle da dal dalla in nel nella"
        " su sul per con e ed o ma che chi se io tu lui lei noi voi loro mi ti ci si ne"
        " mio mia tuo tua suo sua e sono ha hanno non piu anche come",
    }.items()
}


def folded(text: str) -> str:
    """Normalised as for English, then without accents: "Você é idiota"
    and "Voce e idiota" are read alike."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def hashed(texts) -> sp.csr_matrix:
    """Sublinear counts of each text's hashed character and word n-grams."""
    texts = list(texts)
    counts = sp.hstack([CHARACTERS.transform(texts), WORDS.transform(texts)]).tocsr()
    counts.data = 1.0 + np.log(counts.data)
    return counts


class FoldText(TransformerMixin, BaseEstimator):
    """(text, language) -> (folded text, language)."""

    def fit(self, X=None, y=None):
        return self

    def transform(self, X):
        return [(folded(text), language) for text, language in X]


class LanguageAbuse(ClassifierMixin, BaseEstimator):
    """One calibrated logistic regression per language, on TF-IDF of hashed
    n-grams. ``fit`` takes (folded text, language) pairs and a
    ``calibration`` mask (rows for Platt scaling, not for the weights);
    ``prior`` is the abuse rate the probabilities are moved to."""

    def __init__(self, C=4.0, prior=0.1, min_rows=200):
        self.C = C
        self.prior = prior
        self.min_rows = min_rows

    def fit(self, X, y, calibration=None):
        y = np.asarray(y, dtype=int)
        calibration = np.zeros(len(y), bool) if calibration is None else np.asarray(calibration)
        spoken = np.array([str(language) for _, language in X], dtype=object)
        self.languages_, self.idf_, self.coef_ = (), {}, {}
        self._idf32, self._coef32 = {}, {}
        self.intercept_, self.scale_, self.shift_, self.rows_ = {}, {}, {}, {}
        for language in sorted(set(spoken.tolist())):
            mine = spoken == language
            fit, held = mine & ~calibration, mine & calibration
            if mine.sum() < self.min_rows or min(y[fit].sum(), (1 - y[fit]).sum()) < 10:
                continue
            if min(y[held].sum(), (1 - y[held]).sum()) < 3:
                continue
            self._fit_language(language, [X[i][0] for i in np.flatnonzero(mine)], y, fit, held)
        self.languages_ = tuple(sorted(self.coef_))
        self.classes_ = np.array([0, 1])
        return self

    def _fit_language(self, language, texts, y, fit, held):
        counts = hashed(texts)
        rows = np.flatnonzero(fit | held)
        fit_rows, held_rows = fit[rows], held[rows]
        documents = np.bincount(counts[fit_rows].indices, minlength=WIDTH)
        # Unseen n-grams weigh nothing (their weights would be zero anyway),
        # and zeros keep the stored artifact small.
        idf = np.where(documents > 0, np.log((1 + fit_rows.sum()) / (1 + documents)) + 1, 0)
        self.idf_[language] = idf.astype(np.float16)
        self._idf32[language] = self.idf_[language].astype(np.float32)
        features = self._weigh(counts, language)
        classifier = LogisticRegression(C=self.C, solver="liblinear", max_iter=1000, random_state=0)
        classifier.fit(features[fit_rows], y[rows][fit_rows])
        self.coef_[language] = classifier.coef_.ravel().astype(np.float16)
        self._coef32[language] = self.coef_[language].astype(np.float32)
        self.intercept_[language] = float(classifier.intercept_[0])
        margins = self._margins(features[held_rows], language).reshape(-1, 1)
        platt = LogisticRegression(C=1e4).fit(margins, y[rows][held_rows])
        rate = float(y[rows][held_rows].mean())
        self.scale_[language] = float(platt.coef_[0, 0])
        self.shift_[language] = float(platt.intercept_[0]) + _log_odds(self.prior) - _log_odds(rate)
        self.rows_[language] = {"train": int(fit_rows.sum()), "calibration": int(held_rows.sum())}

    def _weigh(self, counts, language) -> sp.csr_matrix:
        """TF-IDF, each row L2-normalised, computed on the stored values
        only: a diagonal matrix 393,216 wide per call cost milliseconds."""
        weighted = counts.tocsr(copy=True)
        weighted.data = weighted.data * self._idf32[language][weighted.indices]
        rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        norms = np.sqrt(np.bincount(rows, weighted.data**2, minlength=weighted.shape[0]))
        weighted.data = weighted.data / np.maximum(norms, 1e-12)[rows]
        return weighted

    def _margins(self, features, language) -> np.ndarray:
        return features @ self._coef32[language] + self.intercept_[language]

    # Stored at half precision (half the artifact), multiplied as float32:
    # the float32 copies are made when fitted or loaded, never per comment.
    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_idf32", "_coef32")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._idf32 = {k: v.astype(np.float32) for k, v in self.idf_.items()}
        self._coef32 = {k: v.astype(np.float32) for k, v in self.coef_.items()}

    def reads(self, language: str | None) -> bool:
        return language in self.languages_

    def features(self, X, language) -> sp.csr_matrix:
        """The weighted features of folded texts, all in ``language``."""
        return self._weigh(hashed(X), language)

    def pushes(self, features, language) -> sp.csr_matrix:
        """Each feature's part of the calibrated log-odds (for explanations)."""
        weighted = features.tocsr(copy=True)
        coef = self._coef32[language]
        weighted.data = weighted.data * coef[weighted.indices] * self.scale_[language]
        return weighted

    def predict_proba(self, X) -> np.ndarray:
        """P(abusive) of (folded text, language) pairs; every language must
        be one of ``languages_``."""
        probabilities = np.zeros(len(X))
        spoken = [language for _, language in X]
        for language in set(spoken):
            mine = [i for i, s in enumerate(spoken) if s == language]
            margins = self._margins(self.features([X[i][0] for i in mine], language), language)
            probabilities[mine] = _sigmoid(self.scale_[language] * margins + self.shift_[language])
        return np.column_stack([1 - probabilities, probabilities])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def reading_languages(pipeline, texts, spoken=None) -> list[str]:
    """The language each comment's abuse is read in: one ``pipeline`` has
    weights for (as ``spoken`` names it, or as detected), else English."""
    if pipeline is None:
        return ["en"] * len(texts)
    spoken = spoken or [None] * len(texts)
    if len(spoken) != len(texts):
        raise ValueError("one language (or None) per text")
    unstated = [text for given, text in zip(spoken, texts) if not given]
    detected = iter(languages_of(unstated))
    read = [languages.primary_subtag(given) if given else next(detected) for given in spoken]
    return [language if pipeline[-1].reads(language) else "en" for language in read]


def languages_of(texts) -> list[str]:
    """The language each comment is read in: the detected one, or English
    when the detector is not sure enough (short comments, mixed text)."""
    return [found or "en" for found in languages.detect_all(texts, OTHER_LANGUAGE_CONFIDENCE)]


def build_pipeline(prior: float):
    from sklearn.pipeline import Pipeline

    return Pipeline([("fold", FoldText()), ("classifier", LanguageAbuse(prior=prior))])


def _log_odds(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def _sigmoid(z) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))
