"""The evaluation pipeline on Kubeflow Pipelines: components (one per file), the wiring, compile and run."""
