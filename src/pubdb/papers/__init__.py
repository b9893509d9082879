"""Papers: adding by identifier, importing BibTeX, matching (one paper = one record),
merging, editing, citation keys and the reports of what each did."""

from ..lazy import submodules_on_first_use

__getattr__ = submodules_on_first_use(__name__)
