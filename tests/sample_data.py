"""Small hand-written data for tests: enough to train real (tiny) models.

The first article and its two comments paraphrase the example article the
project uses for demos (a 2011 report on a Pakistan-Russia counter-terrorism
accord); everything else is written for the tests.

The texts tests assert a model's behaviour on (``ASSERTED``: the example
comments, the insults, the spam, a polite and a profane remark) are never
training rows: the fixture model must generalise to them from other rows
that share their words, so a model that only memorised its training data
fails those tests. Nor are they rows of the shipped model's data
(``test_shipped_model.py`` checks it where that data is present).
"""

import json

EXAMPLE_ARTICLE = {
    "id": "tribune-moscow-accord",
    "title": "Counter-terrorism: Moscow eyes accord on intelligence-sharing",
    "body": (
        "Pakistan and Russia are close to signing an accord of mutual cooperation to "
        "counter terrorism. Officials of the two countries will meet in Islamabad to decide "
        "the modalities of intelligence sharing about the Taliban and al Qaeda militants in "
        "the tribal areas. Moscow fears that after the US and Nato pullout from Afghanistan "
        "militants may destabilise Central Asian states. Pakistan is interested in buying "
        "Mi-35 helicopters from Russia for its war against terrorism."
    ),
    "url": "https://news.example/moscow-accord",
}
EXAMPLE_COMMENTS = [
    "There is more to come. Next will be Iran, then Iraq. Once America has left, we will "
    "strengthen ties with Afghanistan and there will be an influx of Afghan refugees in Pakistan.",
    "Oh, please! We are not going to make deals with any more countries now. Didn't we learn "
    "our lesson signing the same with America? Drone attacks, CIA agents! "
    "Protect your own country!",
]
INSULT = "You are a worthless idiot and should shut up"
SPAM = "Check out my channel and subscribe!!! www.example.com"
POLITE = "I hope the council spends the money on schools and buses"
# Stop-words, one insult three times and more insults than there are spans:
# what a noisy highlight would mark.
REPEATED_INSULT = (
    "You stupid moron, you pathetic loser, you worthless idiot, a troll, a disgusting pig: "
    "this garbage should shut up, MORON. Moron!"
)
# Swearing at a late bus, not at a person: profane, not an insult.
PROFANE = "Holy shit, the damn bus was late again"
ASSERTED = [*EXAMPLE_COMMENTS, INSULT, SPAM, POLITE, REPEATED_INSULT, PROFANE]

ARTICLES = [
    EXAMPLE_ARTICLE,
    {
        "id": "city-budget",
        "title": "City council passes budget with higher property taxes",
        "body": (
            "The city council approved a budget that raises property taxes to pay for "
            "schools, road repairs and more buses. Homeowners will pay about four percent "
            "more. The mayor said the budget keeps libraries open."
        ),
    },
    {
        "id": "football-final",
        "title": "United win the cup final after penalties",
        "body": (
            "United beat City on penalties in the cup final after a goalless draw. The "
            "goalkeeper saved two penalties and the captain lifted the trophy in front of "
            "the fans at the stadium."
        ),
    },
    {
        "id": "heatwave",
        "title": "Heatwave breaks temperature records across the region",
        "body": (
            "Temperatures passed forty degrees for the first time as a heatwave hit the "
            "region. Scientists link the heat to climate change and warn that droughts and "
            "wildfires will become more common."
        ),
    },
]

ON_TOPIC = {
    "tribune-moscow-accord": [
        "After the pullout from Afghanistan more refugees will come to Pakistan.",
        "Deals with America brought us drone attacks; why trust Russia now?",
        "CIA agents came with the last deal, protect Pakistan first.",
        "Russia and Pakistan sharing intelligence on militants is overdue.",
        "Will the accord cover the Taliban in the tribal areas?",
        "Moscow only cares about Central Asia, not about terrorism in Pakistan.",
        "Helicopters from Russia will help the army fight militants.",
        "The US pullout from Afghanistan changes everything for the region.",
        "Intelligence sharing with Russia could anger Washington.",
    ],
    "city-budget": [
        "Higher property taxes again, and the roads are still full of potholes.",
        "Keeping the libraries open is worth a small tax rise.",
        "The council should cut its own salaries before raising taxes.",
        "More buses would help everyone who cannot afford a car.",
        "Four percent more for homeowners is a lot in this economy.",
        "Schools need the money, the budget is fair.",
        "The mayor promised no new taxes last year.",
        "Road repairs first, then new buses.",
    ],
    "football-final": [
        "What a goalkeeper, two penalty saves in a final!",
        "City were better for ninety minutes but lost on penalties.",
        "The captain deserved to lift that trophy.",
        "Penalties are a cruel way to lose a cup final.",
        "The fans at the stadium were incredible.",
        "A goalless draw and still the best final in years.",
        "United's defence won them the cup.",
        "City should have scored in the first half.",
    ],
    "heatwave": [
        "Forty degrees is frightening, climate change is here.",
        "We need to prepare for more droughts and wildfires.",
        "The heat record shows the scientists were right.",
        "Stay inside and drink water during the heatwave.",
        "Wildfires every summer now, something must change.",
        "My garden is dying in this drought.",
        "The region is not ready for temperatures like this.",
        "Climate change deniers should read this report.",
    ],
}

ABUSIVE = [
    "Shut up you stupid moron",
    "You are an idiot and a disgrace",
    "What a pathetic loser you are",
    "Only a complete idiot would write this garbage",
    "Go away you worthless troll",
    "You stupid fool, nobody cares about you",
    "Shut your mouth, moron",
    "Idiots like you should be banned",
    "You are a disgusting pig",
    "Get lost you pathetic idiot",
    "You f*cking moron",
    "What a stupid worthless comment, loser",
    "Nobody asked you, idiot",
]
SPAM_COMMENTS = [
    "Check out my cooking channel, new videos every week",
    "Subscribe to my channel for free gift cards www.example.com",
    "Earn money from home, click here http://spam.example",
    "Check out my new video and subscribe please",
    "Free followers! visit www.example.net now",
    "Please subscribe to my channel, link in bio",
]


def labelled_comments() -> list[dict]:
    """Rows in the project's JSON Lines format (see datasets.py)."""
    rows = []
    for article_id, texts in ON_TOPIC.items():
        for i, text in enumerate(texts):
            rows.append(_row(f"{article_id}-{i}", text, abusive=0, article_id=article_id))
    for i, text in enumerate(ABUSIVE):
        rows.append(_row(f"abuse-{i}", text, abusive=1))
    for i, text in enumerate(SPAM_COMMENTS):
        rows.append(_row(f"spam-{i}", text, on_topic=0))
    return rows


def _row(row_id, text, abusive=None, on_topic=None, article_id=None):
    return {
        "id": row_id,
        "text": text,
        "abusive": abusive,
        "on_topic": on_topic,
        "article_id": article_id,
        "source": "tests",
        "license": "CC0-1.0",
    }


def write_jsonl(path, rows) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
