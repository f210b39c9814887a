"""KFP components, one per file. Each is a thin adaptor from KFP inputs/outputs to ``ragops.pipelines.steps``.

On the local runner (``SubprocessRunner(use_venv=False)``) a component runs in this Python environment; on a
cluster it runs in ``RAGOPS_IMAGE``, which has ragops installed, so the function bodies only import and call.
"""

# The image the release workflow builds and the Kustomize base deploys; components run in it on a cluster.
RAGOPS_IMAGE = "ghcr.io/ragops/ragops:0.1.0"
