"""GitOps: the Kustomize overlays a release deploys, and running an overlay locally without a cluster."""
