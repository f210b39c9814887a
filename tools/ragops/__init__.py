"""ragops: GitOps for RAG applications."""

__version__ = "0.1.0"
