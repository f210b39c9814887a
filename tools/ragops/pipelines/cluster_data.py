"""What a cluster run reads and where it writes: data manifests by content hash, and the results location.

For each of the app's corpus and test sets:

- DVC-tracked (a ``.dvc`` file records its md5): the pods read it straight from the DVC remote, by the hash the
  report records. Before submitting, the remote is checked for every object, so a forgotten ``dvc push`` fails
  here, naming the files, rather than in a pod.
- held in git: uploaded once to ``<pipeline_root>/ragops-data/files/md5`` in DVC's own layout (a ``.dir`` listing
  plus one object per file); objects already there are not uploaded again.

The results location is ``<pipeline_root>/ragops-results/<app>/<run id>/``: one folder per run, never shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragops.config.app_data import corpus_path, testset_paths
from ragops.config.loader import display_path
from ragops.config.models import AppConfig
from ragops.data.fingerprint import file_fingerprint, folder_hashes, listing_fingerprint
from ragops.data.remote import RemoteLocation, dvc_remote
from ragops.data.tracked import TrackedData, tracking
from ragops.errors import ValidationFailed
from ragops.pipelines.objects import (
    DVC_PUSH_HINT,
    DataManifest,
    ManifestEntry,
    folder_objects,
    missing_objects,
    read_listing,
    upload_objects,
)

DATA_PREFIX = "ragops-data/files/md5"
RESULTS_PREFIX = "ragops-results"
_UPLOADED_HINT = "ragops uploads git-held data when it submits: submit again"
_MAX_LISTED = 10


@dataclass(frozen=True)
class ClusterData:
    corpus: DataManifest
    testsets: DataManifest
    uploaded: int  # objects of git-held data uploaded by this submission (0 when all were there)
    sources: dict[str, str]  # repository path → where the cluster reads it ("dvc remote NAME" or the data store)


def data_store(pipeline_root: str) -> str:
    return f"{pipeline_root.rstrip('/')}/{DATA_PREFIX}"


def results_uri(pipeline_root: str, app: str, run_id: str) -> str:
    return f"{pipeline_root.rstrip('/')}/{RESULTS_PREFIX}/{app}/{run_id}"


class _Planner:
    def __init__(self, root: Path, pipeline_root: str, remote_name: str | None) -> None:
        self.root = root
        self.store = data_store(pipeline_root)
        self.remote_name = remote_name
        self._remote: RemoteLocation | None = None
        self.uploaded = 0
        self.sources: dict[str, str] = {}

    def remote(self) -> RemoteLocation:
        if self._remote is None:
            self._remote = dvc_remote(self.root, self.remote_name)
        return self._remote

    def label(self, path: Path) -> str:
        return display_path(path, self.root)

    def _require(self, remote: RemoteLocation, files: dict[str, str], label: str, is_dir: bool) -> None:
        missing = missing_objects(remote.store, files.values(), remote.storage_options)
        if missing:
            names = sorted(f"{label}/{rel}" if is_dir else label for rel, md5 in files.items() if md5 in missing)
            more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
            raise ValidationFailed(
                f"DVC remote {remote.name!r} ({remote.url}) lacks the content of {len(names)} file(s): "
                f"{', '.join(names[:_MAX_LISTED])}{more}; {DVC_PUSH_HINT}"
            )

    def folder(self, path: Path, fingerprint: str) -> ManifestEntry:
        label = self.label(path)
        tracked = tracking(path)
        if tracked is None:
            hashes = folder_hashes(path)
            dir_id, objects = folder_objects(hashes.files, path)
            self.uploaded += upload_objects(self.store, objects)
            self.sources[label] = self.store
            return ManifestEntry(path="", store=self.store, md5=dir_id, label=label, hint=_UPLOADED_HINT)
        remote = self._tracked_remote(tracked, label)
        options = remote.storage_options
        listing = read_listing(remote.store, tracked.md5, options, self.label(tracked.path), DVC_PUSH_HINT)
        subdir = path.relative_to(tracked.path).as_posix() if path != tracked.path else ""
        if subdir:
            prefix = subdir + "/"
            listing = {rel[len(prefix) :]: md5 for rel, md5 in listing.items() if rel.startswith(prefix)}
        if listing_fingerprint(listing) != fingerprint:
            raise ValidationFailed(
                f"{label} in the workspace differs from what {self.label(tracked.dvc_file)} records: run "
                f"`ragops data add {self.label(tracked.path)}` (or `dvc add`), `dvc push`, and commit the .dvc file"
            )
        self._require(remote, listing, label, is_dir=True)
        self.sources[label] = f"dvc remote {remote.name} ({remote.url})"
        return ManifestEntry(
            path="", store=remote.store, md5=tracked.md5, subdir=subdir, label=label, hint=DVC_PUSH_HINT,
            storage_options=options,
        )  # fmt: skip

    def file(self, path: Path, name: str) -> ManifestEntry:
        label = self.label(path)
        md5 = file_fingerprint(path)
        tracked = tracking(path)
        if tracked is None:
            self.uploaded += upload_objects(self.store, {md5: path})
            self.sources[label] = self.store
            return ManifestEntry(path=name, store=self.store, md5=md5, label=label, hint=_UPLOADED_HINT)
        remote = self._tracked_remote(tracked, label)
        self._require(remote, {name: md5}, label, is_dir=False)
        self.sources[label] = f"dvc remote {remote.name} ({remote.url})"
        return ManifestEntry(
            path=name, store=remote.store, md5=md5, label=label, hint=DVC_PUSH_HINT,
            storage_options=remote.storage_options,
        )  # fmt: skip

    def _tracked_remote(self, tracked: TrackedData, label: str) -> RemoteLocation:
        if tracked.legacy_hash:
            raise ValidationFailed(
                f"{label} is tracked by a DVC 2 file ({self.label(tracked.dvc_file)}, md5-dos2unix): re-add it with "
                "DVC 3 (`dvc cache migrate --dvc-files`, then `dvc push`) so the cluster can read it by hash"
            )
        return self.remote()


def cluster_data(
    config: AppConfig, root: Path, pipeline_root: str, corpus_hash: str, remote: str | None = None
) -> ClusterData:
    """Manifests the pods read the app's corpus and test sets from; uploads git-held data first (once).

    ``corpus_hash`` is the fingerprint the report will record: a DVC-tracked corpus whose workspace differs from
    its ``.dvc`` file is refused, so the cluster never evaluates other data than the report claims."""
    planner = _Planner(root, pipeline_root, remote)
    corpus = DataManifest(entries=[planner.folder(corpus_path(config, root), corpus_hash)])
    entries: list[ManifestEntry] = []
    for name, path in testset_paths(config, root).items():
        if not path.is_file():
            raise ValidationFailed(f"test set {path.relative_to(root.resolve())} is missing; run 'ragops validate'")
        entries.append(planner.file(path, f"{name}.jsonl"))
    return ClusterData(corpus, DataManifest(entries=entries), planner.uploaded, planner.sources)


def uri_manifest(uri: str, label: str) -> DataManifest:
    """A manifest that copies a folder the cluster reads as is (``--corpus-uri``/``--testsets-uri`` overrides)."""
    return DataManifest(entries=[ManifestEntry(path="", store=uri, label=label)])
