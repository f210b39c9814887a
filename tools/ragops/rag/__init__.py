"""The RAG engine: load, chunk, embed, index, retrieve and generate."""
