"""A model version's held-out figures, as the admin models page shows them.

They are the manifest's ``held_out`` section: what ``flask evaluate
--held-out`` measured on each source's held-out comments, the figures the
README's model card quotes and tests/test_shipped_model.py re-measures.
They are shown per source, news comments first: one figure over every
source is inflated by the tweets (Davidson's are easy) and says little
about a news site's comments.
"""

from dataclasses import dataclass

# Manifest key -> (the model card's name for the source, what its comments
# are), in the model card's order (NYT has on-topic figures only).
SOURCES = {
    "nyt": ("NYT (headline and abstract only)", "news comments"),
    "c3": ("C3, Globe and Mail comments (held-out articles)", "news comments"),
    "fox": ("Fox News comments (held-out articles)", "news comments"),
    "civil-comments-spans": ("Civil Comments (SemEval test + held-out share)", "news comments"),
    "unhealthy-comments": ("Unhealthy Comments, Globe and Mail (official test)", "news comments"),
    "impermium-insults": (
        "Impermium insults, commentary (official test + verification)",
        "news comments",
    ),
    "site": ("This site's own labels", "news comments"),
    "ruddit": ("Ruddit, Reddit comments", "Reddit comments"),
    "olid": ("OLID tweets (held-out share of train)", "tweets"),
    "hateval": ("HatEval tweets (held-out share of train+dev)", "tweets"),
    "davidson": ("Davidson tweets (held-out share)", "tweets"),
    "reddit": ("Reddit posts (full text)", "Reddit comments"),
}
ON_TOPIC_NAMES = {"fox": "Fox News (headline and one paragraph)"}
DEFAULT_COMMAND = "flask --app app evaluate --held-out"


@dataclass(frozen=True)
class AbuseRow:
    source: str
    kind: str
    comments: str
    roc_auc: str
    average_precision: str


@dataclass(frozen=True)
class OnTopicRow:
    source: str
    own_vs_other_roc_auc: str


@dataclass(frozen=True)
class HeldOut:
    abuse: list[AbuseRow]
    on_topic: list[OnTopicRow]
    command: str


def held_out(manifest: dict) -> HeldOut | None:
    """The figures to show, or None when the manifest records none."""
    section = manifest.get("held_out")
    if not isinstance(section, dict):
        return None
    known = [key for key in SOURCES if key in section]
    order = known + sorted(key for key in section if key not in SOURCES)
    news_first = sorted(order, key=lambda key: _kind(key) != "news comments")
    abuse, on_topic = [], []
    for key in news_first:
        figures = section[key] if isinstance(section[key], dict) else {}
        if isinstance(figures.get("abuse"), dict):
            measured = figures["abuse"]
            abuse.append(
                AbuseRow(
                    _name(key),
                    _kind(key),
                    _count(measured.get("rows")),
                    _figure(measured.get("roc_auc")),
                    _figure(measured.get("average_precision")),
                )
            )
        if isinstance(figures.get("on_topic"), dict):
            measured = figures["on_topic"]
            name = ON_TOPIC_NAMES.get(key, _name(key))
            on_topic.append(OnTopicRow(name, _figure(measured.get("own_vs_other_roc_auc"))))
    if not abuse and not on_topic:
        return None
    command = manifest.get("held_out_command") or DEFAULT_COMMAND
    return HeldOut(abuse, on_topic, command)


def _name(key: str) -> str:
    return SOURCES.get(key, (key, ""))[0]


def _kind(key: str) -> str:
    return SOURCES.get(key, (key, ""))[1]


def _figure(value) -> str:
    # Three places, as the model card rounds them.
    return f"{value:.3f}" if isinstance(value, int | float) else "–"


def _count(value) -> str:
    return f"{value:,}" if isinstance(value, int) else "–"
