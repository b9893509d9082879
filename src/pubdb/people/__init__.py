"""People behind author names: which person each written name is, manual decisions
(merge, alias, split), names typed by the user, and the co-author graph."""

from ..lazy import submodules_on_first_use

__getattr__ = submodules_on_first_use(__name__)
