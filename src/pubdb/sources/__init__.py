"""Metadata services: polite HTTP (the one place requests is used), the arXiv API and
doi.org. Clients fetch and return plain records; they never touch the database."""
