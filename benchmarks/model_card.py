"""The README's model-card tables, from a report of `flask evaluate --held-out`.

flask --app app evaluate --held-out ... > report.json
.venv/bin/python benchmarks/model_card.py report.json
"""

import json
import sys

NEWS = ["c3", "fox", "civil-comments-spans", "unhealthy-comments", "impermium-insults"]
NAMES = {
    "c3": "C3, Globe and Mail comments (held-out articles)",
    "fox": "Fox News comments (held-out articles)",
    "civil-comments-spans": "Civil Comments (SemEval test + held-out share)",
    "unhealthy-comments": "Unhealthy Comments, Globe and Mail (official test)",
    "impermium-insults": "Impermium insults, commentary (official test + verification)",
    "ruddit": "Ruddit, Reddit comments",
    "olid": "OLID tweets (held-out share of train)",
    "hateval": "HatEval tweets (held-out share of train+dev)",
    "davidson": "Davidson tweets (held-out share)",
    "germeval2018": "GermEval 2018 tweets, German (held-out share)",
    "told-br": "ToLD-Br tweets, Portuguese (held-out share)",
    "offcombr": "OffComBR g1 news comments, Portuguese (held-out share)",
    "mlma": "MLMA tweets, French (held-out share)",
    "haspeede2018": "HaSpeeDe 2018, Italian (held-out share)",
}


def fmt(value, percent=False) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def main(path: str) -> None:
    with open(path) as handle:
        report = json.load(handle)
    sources = report["sources"]
    print("| abuse, held out | rows | abusive | ROC-AUC | AP | precision | recall | flagged |")
    print("|---|---|---|---|---|---|---|---|")
    for source in NEWS + [s for s in sources if s not in NEWS]:
        abuse = sources.get(source, {}).get("abuse")
        if not abuse:
            continue
        print(
            f"| {NAMES.get(source, source)} | {abuse['rows']:,} | {abuse['positives']:,} "
            f"| {fmt(abuse['roc_auc'])} | {fmt(abuse['average_precision'])} "
            f"| {fmt(abuse['precision'], True)} | {fmt(abuse['recall'], True)} "
            f"| {fmt(abuse['flagged_share'], True)} |"
        )
    print("\n| attribute, held out | source | rows | positives | ROC-AUC | AP |")
    print("|---|---|---|---|---|---|")
    for source, measured in sources.items():
        for name, attribute in measured.get("attributes", {}).items():
            if attribute["positives"] >= 10:
                print(
                    f"| {name} | {source} | {attribute['rows']:,} | {attribute['positives']:,} "
                    f"| {fmt(attribute['roc_auc'])} | {fmt(attribute['average_precision'])} |"
                )
    robust = report.get("robustness", {})
    evasion = robust.get("evasion", {})
    if evasion:
        print(f"\nEvasion: of {evasion['flagged']} flagged held-out abusive news comments")
        print("| disguise | flags kept |\n|---|---|")
        for name, kept in evasion.items():
            if name not in ("flagged", "of"):
                print(f"| {name.replace('_', ' ')} | {fmt(kept, True)} |")
    identity = robust.get("identity", {})
    if identity:
        print(f"\nIdentity terms ({identity['terms']} terms, {identity['templates']} templates):")
        for metric, worst in identity["worst"].items():
            print(f"- worst {metric}: {fmt(worst['value'])} ({worst['term']})")
    if robust.get("contrast"):
        print("\nContrast sentences flagged:", robust["contrast"])
    if robust.get("spans"):
        print("Span F1 against raters:", robust["spans"])
    print("\n| on-topic, held out | pairs | own-vs-other | with thread | top-1 | spam caught |")
    print("|---|---|---|---|---|---|")
    for source, measured in sources.items():
        on_topic = measured.get("on_topic")
        if on_topic:
            spam = (
                f"{fmt(on_topic.get('spam_caught_fresh'), True)} fresh, "
                f"{fmt(on_topic.get('spam_caught_in_flood'), True)} in a flood"
                if "spam_rows" in on_topic
                else "–"
            )
            print(
                f"| {source} | {on_topic.get('rows', on_topic.get('spam_rows'))} "
                f"| {fmt(on_topic.get('own_vs_other_roc_auc'))} "
                f"| {fmt(on_topic.get('own_vs_other_roc_auc_with_thread'))} "
                f"| {fmt(on_topic.get('top1_accuracy'))} | {spam} |"
            )


if __name__ == "__main__":
    main(sys.argv[1])
