"""The HTTP service the Kustomize base deploys: FastAPI app, its limits, metrics, logs, feedback and batching."""
