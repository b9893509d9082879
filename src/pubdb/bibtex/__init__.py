"""BibTeX files: reading (bibtexparser and what it gets wrong), values and @strings,
entries as publications, and writing entries that bibtex and biber compile."""
