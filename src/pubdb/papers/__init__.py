"""Papers: adding by identifier, importing BibTeX, matching (one paper = one record),
merging, editing, citation keys and the reports of what each did."""
