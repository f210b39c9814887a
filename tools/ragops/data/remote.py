"""Where a repository's DVC remote keeps its objects, as a URI other machines (a cluster's pods) can read.

DVC 3 stores the object with md5 ``abcd…`` at ``<remote URL>/files/md5/ab/cd…`` (``dvc.data_cloud.Remote.odb``:
``<path>/files/md5``, split after two characters); objects of DVC 2 files (``md5-dos2unix``) live at the remote's
root and are not read here. Only non-secret settings are taken from the DVC config (the URL and an S3
``endpointurl``); credentials stay in the environment of whoever reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragops.errors import ValidationFailed

# DVC 3's object folder under a remote (CacheManager.FILES_DIR / DEFAULT_ALGORITHM).
OBJECTS_PREFIX = "files/md5"


@dataclass(frozen=True)
class RemoteLocation:
    name: str
    url: str
    storage_options: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> str:
        """The content-addressed object folder of the remote."""
        return f"{self.url.rstrip('/')}/{OBJECTS_PREFIX}"


def dvc_remote(root: Path, name: str | None = None) -> RemoteLocation:
    """The named (or default) DVC remote of the repository at ``root``."""
    from dvc.exceptions import NotDvcRepoError
    from dvc.repo import Repo

    try:
        repo = Repo(str(root))
    except NotDvcRepoError as exc:
        raise ValidationFailed(f"{root} is not a DVC repository, yet its data is DVC-tracked: run `dvc init`") from exc
    try:
        remote = name or repo.config["core"].get("remote")
        remotes = repo.config["remote"]
    finally:
        repo.close()
    if not remote:
        raise ValidationFailed(
            "the app's data is DVC-tracked but no default DVC remote is configured: a cluster reads DVC data from "
            "the remote; add one with `dvc remote add -d NAME s3://…` and `dvc push`"
        )
    if remote not in remotes:
        raise ValidationFailed(f"DVC remote {remote!r} is not configured (see `dvc remote list`)")
    settings = remotes[remote]
    options: dict[str, Any] = {}
    if settings.get("endpointurl"):
        options["endpoint_url"] = str(settings["endpointurl"])
    return RemoteLocation(str(remote), str(settings["url"]), options)
