"""What the models see: a labelled comment (one row of training data, from
a dataset file or from a site's moderators, in one shape so training treats
both alike) and the text an article is compared with.

Light on purpose: the web process imports it, and must not load the model
libraries until it scores."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LabelledComment:
    id: str
    text: str
    abusive: int | None
    on_topic: int | None
    article_id: str | None
    source: str
    license: str | None
    # Source-specific extras (official split, attribute fractions, rater
    # spans); not part of a comment's identity.
    meta: dict | None = field(default=None, compare=False, repr=False)


def article_text(title: str | None, body: str | None) -> str:
    """The text an article is compared with: its title, then its body."""
    return "\n\n".join(part for part in (title, body) if part)
