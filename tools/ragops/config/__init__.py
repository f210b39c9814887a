"""RAG app configs, test sets and gate policies: models, loading with line numbers, checks, schemas."""
