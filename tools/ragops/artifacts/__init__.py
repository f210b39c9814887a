"""Index artifacts: a built index folder packed into a deterministic, content-addressed archive, and its store."""
