"""People behind author names: which person each written name is, manual decisions
(merge, alias, split), names typed by the user, and the co-author graph."""
