"""KFP components, one per file. Each is a thin adaptor from KFP inputs/outputs to ``ragops.pipelines.steps``.

On the local runner (``SubprocessRunner(use_venv=False)``) a component runs in this Python environment; on a
cluster it runs in ``RAGOPS_IMAGE``, which has ragops (and so kfp) installed, so the function bodies only import
and call. Components are declared with ``install_kfp_package=False``: KFP's default runs ``pip install kfp==…``
before every step, which fails on an offline cluster and costs every local step a pip run.
"""

from ragops import __version__

# The image the release workflow builds and the Kustomize base deploys; components run in it on a cluster.
# Its tag follows the package version, so a compiled pipeline names the image that holds the same code.
RAGOPS_IMAGE_REPOSITORY = "ghcr.io/ragops/ragops"
RAGOPS_IMAGE = f"{RAGOPS_IMAGE_REPOSITORY}:{__version__}"
