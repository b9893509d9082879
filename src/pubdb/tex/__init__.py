"""TeX: decoding to Unicode, encoding Unicode as TeX, math, and defusing imported TeX."""
