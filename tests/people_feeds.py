"""arXiv entries for the people tests (tests/fixtures/people), served like arXiv answers
``id_list`` queries: the entries asked for, in a feed built by ``arxiv_standin.feed``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug import Request, Response

from arxiv_standin import feed

FIXTURES = Path(__file__).parent / "fixtures" / "people"
ATTIA_EL_HILI_PAPER = "2410.11711"  # Benechehab, Attia El Hili, ..., Kégl (ICLR 2025)


def entry(arxiv_id: str) -> bytes:
    return (FIXTURES / f"{arxiv_id}.xml").read_bytes().strip()


@dataclass
class Feeds:
    """What the loopback arXiv answers; tests revise ``entries`` to stage a new version."""

    entries: dict[str, bytes] = field(default_factory=dict)

    def handler(self, request: Request) -> Response:
        ids = [re.sub(r"v\d+$", "", i) for i in request.args.get("id_list", "").split(",") if i]
        found = [self.entries[i] for i in ids if i in self.entries]
        return Response(feed(found), content_type="application/atom+xml; charset=utf-8")

    def revise(self, arxiv_id: str, old: str, new: str) -> None:
        before = self.entries[arxiv_id]
        assert old.encode() in before, old
        self.entries[arxiv_id] = before.replace(old.encode(), new.encode())


def serve(httpserver, monkeypatch, *arxiv_ids: str) -> Feeds:
    feeds = Feeds({arxiv_id: entry(arxiv_id) for arxiv_id in arxiv_ids})
    httpserver.expect_request("/api/query").respond_with_handler(feeds.handler)
    monkeypatch.setenv("PUBDB_ARXIV_URL", httpserver.url_for("/api/query"))
    return feeds
