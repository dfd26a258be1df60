"""Where trained models live on disk, and how a version is written and read.

Layout of a model directory (``MODERATION_MODEL_DIR``, default ``models/``)::

    CURRENT                 the version the service scores with
    <version>/abuse.joblib  fitted Pipeline: text -> P(abusive)
    <version>/on_topic.joblib  fitted Pipeline: (comment, article) -> P(on topic)
    <version>/second_stage.joblib  (optional) sentence encoder refining on_topic
    <version>/abuse_stage.joblib  (optional) tuned encoder layers refining abuse
    <version>/abuse_languages.joblib  (optional) abuse in languages other than English
    <version>/manifest.json what it was trained on, with which libraries, how well

A version directory is written completely before CURRENT points at it, so a
scorer never sees half a model.
"""

import hashlib
import importlib
import json
import logging
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)
ARTIFACT_NAMES = ("abuse", "on_topic")
# Loaded when the version has one: older versions and models trained
# without a sentence encoder do not.
OPTIONAL_ARTIFACTS = ("second_stage", "abuse_stage", "abuse_languages")
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
# Append-only: one JSON line per change of the current version, with who.
PROMOTIONS_FILE = "PROMOTIONS.jsonl"


def library_versions() -> dict[str, str]:
    import joblib
    import numpy
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_version(
    model_dir: Path, version: str, pipelines: dict, manifest: dict, activate: bool = True
) -> Path:
    """Write the pipelines and their manifest, then (by default) make the
    version current."""
    # Imported here, not at the top: every `flask` command imports this module.
    import joblib

    target = Path(model_dir) / version
    target.mkdir(parents=True, exist_ok=False)
    files = {}
    for name, pipeline in pipelines.items():
        path = target / f"{name}.joblib"
        # lzma: a fifth smaller than zlib on these arrays, for seconds more
        # at save and at load; the model directory is shipped in git.
        joblib.dump(pipeline, path, compress=("lzma", 6))
        files[name] = {"file": path.name, "sha256": file_sha256(path), "bytes": path.stat().st_size}
    manifest = {**manifest, "version": version, "artifacts": files, "libraries": library_versions()}
    _write_json(target / MANIFEST_FILE, manifest)
    if activate:
        set_current(model_dir, version)
    return target


def add_to_manifest(model_dir: Path, version: str, fields: dict) -> None:
    """Record facts learnt after training (such as the gate's report)."""
    path = Path(model_dir) / version / MANIFEST_FILE
    _write_json(path, {**json.loads(path.read_text()), **fields})


def _write_json(path: Path, data: dict) -> None:
    # Write-then-rename: a reader (another worker, the admin page) sees the
    # old manifest or the new one, never half of one.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manifest-")
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from other users' workers
    os.replace(tmp, path)


def set_current(model_dir: Path, version: str) -> None:
    # Write-then-rename so readers see the old or the new pointer, never half.
    model_dir = Path(model_dir)
    fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=".current-")
    with os.fdopen(fd, "w") as handle:
        handle.write(version + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, model_dir / CURRENT_FILE)


def current_version(model_dir: Path) -> str | None:
    """The version CURRENT names, if it is one of the directory's versions.

    Anything else (``../../elsewhere``, an absolute path, a version that is
    not there) is ignored: the service must never unpickle a file from
    outside the model directory, whoever wrote CURRENT."""
    pointer = Path(model_dir) / CURRENT_FILE
    if not pointer.is_file():
        return None
    name = pointer.read_text().strip()
    if name not in versions(model_dir):
        if name:
            logger.warning("%s names %r, which is not a version in %s", pointer, name, model_dir)
        return None
    return name


def read_manifest(model_dir: Path, version: str) -> dict:
    return json.loads((Path(model_dir) / version / MANIFEST_FILE).read_text())


def load_pipelines(model_dir: Path, version: str) -> dict:
    """Load every artifact of a version, checking it is the file the manifest names."""
    import joblib

    manifest = read_manifest(model_dir, version)
    pipelines = {}
    names = [*ARTIFACT_NAMES, *(n for n in OPTIONAL_ARTIFACTS if n in manifest["artifacts"])]
    for name in names:
        entry = manifest["artifacts"][name]
        path = Path(model_dir) / version / entry["file"]
        if file_sha256(path) != entry["sha256"]:
            raise ValueError(f"{path} does not match the checksum in its manifest")
        _alias_former_module_paths()
        pipelines[name] = joblib.load(path)
    return pipelines


def repack(model_dir: Path, version: str, new_version: str) -> Path:
    """``version`` saved again, as ``new_version``, in this release's storage
    forms (storage.py), and not made current. The word vectors become int8
    rows and the LSA topics float16, which can move on-topic scores in the
    fourth decimal: measure the held-out figures again
    (``flask evaluate --held-out``) before promoting it."""
    pipelines = load_pipelines(model_dir, version)
    pipelines["on_topic"].named_steps["features"].compact()
    manifest = read_manifest(model_dir, version)
    kept = {k: v for k, v in manifest.items() if k not in ("version", "artifacts", "libraries")}
    kept["repacked_from"] = {
        "version": version,
        # The version these artifacts were trained as, through any repacks.
        "trained_as": manifest.get("repacked_from", {}).get("trained_as", version),
        "artifacts": manifest["artifacts"],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    vectors = pipelines["on_topic"].named_steps["features"].word_vectors_
    if vectors is not None and "word_vectors" in manifest:
        # What `flask vectors export` now writes: retraining from it
        # starts from the vectors this version scores with.
        with tempfile.TemporaryDirectory() as folder:
            vectors.save(Path(folder) / "vectors.npz")
            exported = file_sha256(Path(folder) / "vectors.npz")
        trained_with = manifest["word_vectors"].get(
            "trained_with_sha256", manifest["word_vectors"]["sha256"]
        )
        kept["word_vectors"] = {
            **manifest["word_vectors"],
            "sha256": exported,
            "trained_with_sha256": trained_with,
        }
    return save_version(model_dir, new_version, pipelines, kept, activate=False)


# Where the classes pickled in artifacts lived before the package had
# subpackages: versions trained then name these paths and still load.
FORMER_MODULE_PATHS = {
    "moderation.features": "moderation.learning.features",
    "moderation.textfeatures": "moderation.learning.textfeatures",
    "moderation.textnorm": "moderation.learning.textnorm",
    "moderation.wordvectors": "moderation.learning.wordvectors",
}


def _alias_former_module_paths() -> None:
    # Kept for the process's life: loads in other threads may be unpickling.
    for old, new in FORMER_MODULE_PATHS.items():
        if old not in sys.modules:
            sys.modules[old] = importlib.import_module(new)


def versions(model_dir: Path) -> list[str]:
    """Every complete version in the directory, oldest first."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(p.name for p in model_dir.iterdir() if (p / MANIFEST_FILE).is_file())


def promote(model_dir: Path, version: str, by: str, note: str = "") -> dict:
    """Make ``version`` current and log who did it and what it replaced."""
    if version not in versions(model_dir):
        raise ValueError(f"no model version {version!r} in {model_dir}")
    entry = {
        "version": version,
        "previous": current_version(model_dir),
        "by": by,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": note,
    }
    with open(Path(model_dir) / PROMOTIONS_FILE, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
    set_current(model_dir, version)
    return entry


def promotions(model_dir: Path) -> list[dict]:
    path = Path(model_dir) / PROMOTIONS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rollback(model_dir: Path, by: str) -> dict:
    """Go back to the last version in use before the current one.

    Promoting the current version again replaces it with itself; such a
    promotion is skipped, so rollback always changes the version or fails."""
    current = current_version(model_dir)
    for entry in reversed(promotions(model_dir)):
        previous = entry["previous"]
        if entry["version"] == current and previous and previous != current:
            if previous not in versions(model_dir):
                raise ValueError(f"nothing to roll back to: {previous} is no longer in {model_dir}")
            return promote(model_dir, previous, by, note=f"rollback from {current}")
    raise ValueError(
        f"nothing to roll back to: {current} was never promoted over a different version"
    )
