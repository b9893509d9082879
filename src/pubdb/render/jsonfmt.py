"""pubdb's own records, grouped and ordered as the list shows them."""

from __future__ import annotations

import json

from .entries import Listing


def render(listing: Listing) -> str:
    document = {
        "heading": listing.heading,
        "groups": [
            {
                "title": group.title,
                "publications": [entry.publication.to_dict() for entry in group.entries],
            }
            for group in listing.groups
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
