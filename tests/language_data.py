"""Hand-written German and Portuguese comments for the models of other
languages: enough rows to fit a language (200 or more after the held-out share), built from phrases.

The texts tests assert on (``ASSERTED``) are never among these rows: they
mix the rows' words in sentences of their own.
"""

import itertools

from moderation.learning.examples import LabelledComment

GERMAN = {
    "abusive": (
        ["Du bist", "Sie sind", "Ihr seid", "Dieser Autor ist", "Der Kommentator ist"],
        [
            "ein dummer Idiot",
            "ein widerlicher Trottel",
            "ein erbärmlicher Vollidiot",
            "so ein hirnloser Depp",
            "ein ekelhafter Lügner",
            "ein verdammter Schwachkopf",
        ],
        [
            "und sollte die Klappe halten",
            "und niemand will ihn hier lesen",
            "und gehört nicht in diese Diskussion",
            "und hat keine Ahnung von nichts",
            "und schreibt nur Müll",
            "und sollte sich schämen",
        ],
    ),
    "other": (
        [
            "Ich finde",
            "Wir glauben",
            "Meine Nachbarin meint",
            "Der Bürgermeister sagt",
            "Viele Leser denken",
        ],
        [
            "dass die neue Schule",
            "dass der Bericht über die Wahl",
            "dass die Brücke am Fluss",
            "dass der Haushalt der Stadt",
            "dass das Konzert im Park",
            "dass die neue Buslinie",
        ],
        [
            "eine gute Nachricht für alle ist",
            "sehr sorgfältig geplant wurde",
            "viel Geld kosten wird",
            "im Sommer fertig sein soll",
            "von vielen Familien begrüßt wird",
            "gründlich erklärt worden ist",
        ],
    ),
}
PORTUGUESE = {
    "abusive": (
        ["Você é", "Esse jornalista é", "O prefeito é", "Vocês são", "Esse comentarista é"],
        [
            "um idiota completo",
            "um lixo de pessoa",
            "um imbecil sem noção",
            "um babaca nojento",
            "um otário mentiroso",
            "uma vergonha ridícula",
        ],
        [
            "e devia calar a boca",
            "e ninguém aguenta mais",
            "e só escreve besteira",
            "e não sabe de nada",
            "e deveria sumir daqui",
            "e merece desprezo",
        ],
    ),
    "other": (
        [
            "Eu acho",
            "Nós achamos",
            "Minha vizinha disse",
            "O professor explicou",
            "Muitos leitores pensam",
        ],
        [
            "que a nova escola",
            "que a reportagem sobre a eleição",
            "que a ponte do rio",
            "que o orçamento da cidade",
            "que o show no parque",
            "que a nova linha de ônibus",
        ],
        [
            "é uma boa notícia para todos",
            "foi planejada com cuidado",
            "vai custar muito dinheiro",
            "deve ficar pronta no verão",
            "foi bem recebida pelas famílias",
            "foi explicada com clareza",
        ],
    ),
}
ASSERTED = {
    "de_abusive": "Halt die Klappe, du widerlicher Idiot, niemand will deinen Müll lesen",
    "de_other": "Der Artikel über die neue Buslinie in unserer Stadt war sehr gut erklärt",
    "pt_abusive": "Cala a boca, seu idiota nojento, ninguém aguenta esse lixo",
    "pt_other": "A reportagem sobre a escola nova da cidade foi muito bem explicada",
}


def comments() -> list[LabelledComment]:
    rows = []
    for language, phrases in (("de", GERMAN), ("pt", PORTUGUESE)):
        for label, parts in phrases.items():
            for n, words in enumerate(itertools.product(*parts)):
                rows.append(
                    LabelledComment(
                        id=f"{language}-{label}-{n}",
                        text=" ".join(words) + ".",
                        abusive=int(label == "abusive"),
                        on_topic=None,
                        article_id=None,
                        source=f"tests-{language}",
                        license="CC0-1.0",
                        meta={"language": language, "split": "train"},
                    )
                )
    return rows
