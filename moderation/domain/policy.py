"""The site's comment policy as a decision with reasons.

"Comments are moderated and generally will be posted if they are on-topic
and not abusive." The model only scores; this module decides. Clear cases
are published or rejected at once, doubtful ones are held for a moderator,
and every decision says why, so moderators and the site can see it.
"""

from dataclasses import asdict, dataclass, field

from moderation.domain.orm import Status

ABUSIVE = "abusive"
OFF_TOPIC = "off_topic"
SPAM = "spam"
UNKNOWN_ARTICLE = "unknown_article"
SCORING_ERROR = "scoring_error"
PREMODERATION = "premoderation"
AUTHOR_TRUSTED = "author_trusted"
AUTHOR_BANNED = "author_banned"
REPORTED = "reported"

REASON_TEXTS = {
    ABUSIVE: "The comment is likely abusive.",
    OFF_TOPIC: "The comment is likely not about the article.",
    SPAM: "The comment is likely spam (advertising, links, self-promotion).",
    UNKNOWN_ARTICLE: "The article is not known, so relevance cannot be judged.",
    SCORING_ERROR: "The comment could not be scored; a moderator must decide.",
    PREMODERATION: "Pre-moderation is on: every comment waits for a moderator.",
    AUTHOR_TRUSTED: "Moderators trust the author: published unless clearly abusive.",
    AUTHOR_BANNED: "Moderators have banned the author at this site.",
    REPORTED: "Readers reported the comment: withdrawn (or kept back) until a moderator decides.",
}
STANDINGS = ("normal", "trusted", "banned")


@dataclass(frozen=True)
class Thresholds:
    reject_abusive: float = 0.9
    hold_abusive: float = 0.5
    hold_on_topic: float = 0.3
    premoderation: bool = False
    # Readers' reports that send a published comment back to the queue.
    report_threshold: int = 3
    # A banned author's comments: rejected, or held for a moderator.
    reject_banned: bool = True
    # The spam model's score at which a comment is held as spam.
    hold_spam: float = 0.5

    def __post_init__(self):
        for name in ("reject_abusive", "hold_abusive", "hold_on_topic", "hold_spam"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"threshold {name} must be between 0 and 1")
        if self.hold_abusive > self.reject_abusive:
            raise ValueError("hold_abusive must not be above reject_abusive")
        if self.report_threshold < 1:
            raise ValueError("report_threshold must be at least 1")

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        return cls(
            reject_abusive=config["MODERATION_REJECT_ABUSIVE"],
            hold_abusive=config["MODERATION_HOLD_ABUSIVE"],
            hold_on_topic=config["MODERATION_HOLD_ON_TOPIC"],
            hold_spam=config.get("MODERATION_HOLD_SPAM", 0.5),
            premoderation=config["MODERATION_PREMODERATION"],
            report_threshold=config.get("MODERATION_REPORT_THRESHOLD", 3),
            reject_banned=config.get("MODERATION_BANNED_AUTHORS", "reject") != "hold",
        )

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PolicyDecision:
    status: Status
    reasons: list[str] = field(default_factory=list)


def decide(
    abusive: float | None,
    on_topic: float | None,
    thresholds: Thresholds,
    standing: str = "normal",
    spam: float | None = None,
    reports: int = 0,
) -> PolicyDecision:
    """Turn scores into a status. ``abusive`` is None when scoring failed;
    ``on_topic`` is None when the article is unknown; ``standing`` is the
    author's at the site (normal, trusted or banned); ``spam`` is the spam
    model's score (None for a model without one); ``reports``, how many
    readers reported the comment (one held, decided again)."""
    decision = _decide(abusive, on_topic, thresholds, standing, spam)
    if decision.status == Status.APPROVED and reports >= thresholds.report_threshold:
        # Reported while held: published, it would be withdrawn at once.
        return PolicyDecision(Status.PENDING, [REPORTED])
    return decision


def _decide(abusive, on_topic, thresholds: Thresholds, standing, spam) -> PolicyDecision:
    if standing == "banned":
        status = Status.REJECTED if thresholds.reject_banned else Status.PENDING
        return PolicyDecision(status, [AUTHOR_BANNED])
    if abusive is None:
        return PolicyDecision(Status.PENDING, [SCORING_ERROR])
    if standing == "trusted" and abusive < thresholds.reject_abusive:
        return PolicyDecision(Status.APPROVED, [AUTHOR_TRUSTED])
    if abusive >= thresholds.reject_abusive:
        # Clearly abusive is rejected even under pre-moderation: holding it
        # would only put it in front of a moderator to reject by hand.
        return PolicyDecision(Status.REJECTED, [ABUSIVE])
    reasons = []
    if abusive >= thresholds.hold_abusive:
        reasons.append(ABUSIVE)
    if on_topic is None:
        reasons.append(UNKNOWN_ARTICLE)
    elif on_topic < thresholds.hold_on_topic:
        reasons.append(OFF_TOPIC)
    if spam is not None and spam >= thresholds.hold_spam:
        reasons.append(SPAM)
    if thresholds.premoderation:
        reasons.append(PREMODERATION)
    return PolicyDecision(Status.PENDING if reasons else Status.APPROVED, reasons)


def describe(thresholds: Thresholds, policy_text: str) -> dict:
    """The policy as the API shows it to a site."""
    return {
        "policy": policy_text,
        "thresholds": thresholds.to_json(),
        # In the order they apply: the first that matches decides.
        "rules": [
            "an author the moderators banned: "
            + ("reject" if thresholds.reject_banned else "hold"),
            "an author the moderators trust: approve unless abusive >= "
            f"{thresholds.reject_abusive}",
            f"reject when abusive >= {thresholds.reject_abusive}",
            f"hold when abusive >= {thresholds.hold_abusive}",
            f"hold when on_topic < {thresholds.hold_on_topic}",
            f"hold when spam >= {thresholds.hold_spam}",
            "hold when the article is unknown or scoring fails",
            "hold everything when premoderation is on",
            "otherwise approve",
            f"later, a published comment reported by {thresholds.report_threshold} readers "
            "goes back to the queue",
        ],
        "reasons": REASON_TEXTS,
    }
