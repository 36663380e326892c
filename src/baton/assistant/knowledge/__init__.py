"""The org's knowledge: chunking, storage, ingestion and retrieval."""
