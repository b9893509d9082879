"""Shape of a co-authorship graph, to compare with DBLP's published figures.

Reads a pubdb database (authorships) or generates a corpus in memory with
bench/synthetic.py, and prints, as JSON and then as a table beside DBLP's figures:
authors per paper, papers per author, co-author degree (percentiles and a power-law MLE
above d_min), average local clustering (sampled, SNAP's definition: nodes of degree < 2
count as 0; also the mean over degree >= 2), transitivity (sampled wedges, KONECT's
"clustering coefficient"), largest component, sampled mean distance, and shared
co-authors of prolific pairs in the same field (needs the communities file
bench/synthetic.py writes next to the database, or the in-memory corpus).

    python bench/graphstats.py --db bench/out/people-1m.db
    python bench/graphstats.py --generate 1000000

DBLP's figures: SNAP com-DBLP (average local clustering 0.6324, closed triangles
0.1283, 90% effective diameter 8.2); KONECT dblp_coauthor (degree power-law exponent
3.22 fitted from degree 59; 1.77 papers per co-author pair); DBLP's own statistics
(~3.5M authors for ~7.5M papers: 0.47 people per paper; two authors the commonest
count, ~3 authors per paper on average).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph


def csr_from_db(path: Path):
    conn = sqlite3.connect(path)
    rows = np.array(
        conn.execute(
            "SELECT publication_id, person_id FROM authorships ORDER BY publication_id, position"
        ).fetchall(),
        dtype=np.int64,
    )
    conn.close()
    paper, person = rows[:, 0], rows[:, 1] - 1
    _, counts = np.unique(paper, return_counts=True)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts, person.astype(np.int32)


def coauthor_graph(starts: np.ndarray, authors: np.ndarray, people: int) -> sparse.csr_matrix:
    sizes = np.diff(starts)
    keys = []
    for size in np.unique(sizes):
        if size < 2:
            continue
        rows = np.flatnonzero(sizes == size)
        members = authors[starts[rows][:, None] + np.arange(size)].astype(np.int64)
        i, j = np.triu_indices(size, 1)
        # chunk the big sizes
        for lo in range(0, len(rows), max(1, 2_000_000 // len(i))):
            block = members[lo : lo + max(1, 2_000_000 // len(i))]
            a, b = block[:, i].ravel(), block[:, j].ravel()
            keys.append(np.unique(np.minimum(a, b) * people + np.maximum(a, b)))
    key = np.unique(np.concatenate(keys))
    a, b = key // people, key % people
    data = np.ones(2 * len(key), dtype=np.int8)
    graph = sparse.csr_matrix(
        (data, (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(people, people)
    )
    graph.sort_indices()
    return graph


def local_clustering(graph, nodes) -> np.ndarray:
    indptr, indices = graph.indptr, graph.indices
    out = np.zeros(len(nodes))
    for n, v in enumerate(nodes):
        nbrs = indices[indptr[v] : indptr[v + 1]]
        d = len(nbrs)
        if d < 2:
            continue
        spans = [indices[indptr[u] : indptr[u + 1]] for u in nbrs]
        links = np.isin(np.concatenate(spans), nbrs, assume_unique=False).sum() / 2
        out[n] = links / (d * (d - 1) / 2)
    return out


def transitivity(graph, rng, samples=200_000) -> float:
    """3 x triangles / wedges, by sampling wedges uniformly."""
    deg = np.diff(graph.indptr).astype(np.float64)
    wedges = deg * (deg - 1) / 2
    centre = rng.choice(len(deg), size=samples, p=wedges / wedges.sum())
    d = deg[centre].astype(np.int64)
    i = rng.integers(0, d)
    j = (i + 1 + rng.integers(0, d - 1)) % d
    a = graph.indices[graph.indptr[centre] + i]
    b = graph.indices[graph.indptr[centre] + j]
    closed = np.asarray(graph[a, b]).ravel() > 0
    return closed.mean()


def power_law_alpha(values: np.ndarray, dmin: int) -> tuple[float, int]:
    tail = values[values >= dmin].astype(np.float64)
    return 1 + len(tail) / np.log(tail / (dmin - 0.5)).sum(), len(tail)


def pct(values, qs=(50, 90, 99, 99.9)) -> dict:
    return {f"p{q}": float(np.percentile(values, q)) for q in qs} | {"max": int(values.max())}


def shared_coauthors(graph, papers, field, pairs_wanted=50, top_per_field=3, rng=None):
    """For the most prolific people of the biggest fields: pairs in one field, and the
    number of co-authors the two share (the co-author graph's common neighbours)."""
    order = np.argsort(-papers, kind="stable")
    fields_seen: dict[int, list[int]] = {}
    for person in order[:20000]:
        fields_seen.setdefault(int(field[person]), []).append(int(person))
    pairs = []
    for people in fields_seen.values():
        top = people[:top_per_field]
        pairs += [(a, b) for i, a in enumerate(top) for b in top[i + 1 :]]
    pairs.sort(key=lambda p: -(papers[p[0]] + papers[p[1]]))
    pairs = pairs[:pairs_wanted]
    found = []
    for a, b in pairs:
        na = graph.indices[graph.indptr[a] : graph.indptr[a + 1]]
        nb = graph.indices[graph.indptr[b] : graph.indptr[b + 1]]
        found.append(len(np.intersect1d(na, nb)))
    return pairs, np.array(found)


def analyse(starts, authors, field=None, seed=1, sample=20000) -> dict:
    rng = np.random.default_rng(seed)
    people = int(authors.max()) + 1
    t = time.perf_counter()
    sizes = np.diff(starts)
    papers = np.bincount(authors, minlength=people)
    graph = coauthor_graph(starts, authors, people)
    deg = np.diff(graph.indptr)
    built = time.perf_counter() - t
    nodes = rng.choice(people, size=min(sample, people), replace=False)
    cc = local_clustering(graph, nodes)
    ncomp, labels = csgraph.connected_components(graph, directed=False)
    giant = np.bincount(labels).argmax()
    giant_nodes = np.flatnonzero(labels == giant)
    sources = rng.choice(giant_nodes, size=10, replace=False)
    dist = csgraph.shortest_path(graph, unweighted=True, indices=sources)
    dist = dist[:, labels == giant]
    finite = dist[np.isfinite(dist) & (dist > 0)]
    result = {
        "papers": len(sizes),
        "authorships": len(authors),
        "people": people,
        "edges": graph.nnz // 2,
        "papers_per_coauthor_pair": float((sizes * (sizes - 1) // 2).sum() / (graph.nnz // 2)),
        "authors_per_paper": {
            "mean": float(sizes.mean()),
            "share_1..6": [float((sizes == k).mean()) for k in range(1, 7)],
            "share_le5": float((sizes <= 5).mean()),
            "max": int(sizes.max()),
        },
        "papers_per_author": {
            "mean": float(papers.mean()),
            "share_1": float((papers == 1).mean()),
            **pct(papers),
            "alpha(k>=10)": power_law_alpha(papers, 10)[0],
            "alpha(k>=50)": power_law_alpha(papers, 50)[0],
        },
        "degree": {
            "mean": float(deg.mean()),
            **pct(deg),
            "alpha(d>=29)": power_law_alpha(deg, 29),
            "alpha(d>=59)": power_law_alpha(deg, 59),
        },
        "avg_local_clustering_snap": float(cc.mean()),
        "avg_local_clustering_deg2": float(cc[deg[nodes] >= 2].mean()),
        "clustering_by_degree": {
            f"{lo}-{hi}": float(cc[(deg[nodes] >= lo) & (deg[nodes] < hi)].mean())
            for lo, hi in ((2, 5), (5, 20), (20, 100), (100, 10**9))
            if ((deg[nodes] >= lo) & (deg[nodes] < hi)).any()
        },
        "transitivity": float(transitivity(graph, rng)),
        "components": int(ncomp),
        "giant_share": float(len(giant_nodes) / people),
        "mean_distance_sampled": float(finite.mean()),
        "graph_build_s": built,
    }
    if field is not None:
        pairs, shared = shared_coauthors(graph, papers, field)
        result["same_field_prolific_pairs"] = {
            "pairs": len(pairs),
            "papers_of_pair_members": pct(np.array([papers[a] for p in pairs for a in p])),
            "degree_of_pair_members": pct(np.array([deg[a] for p in pairs for a in p])),
            "shared": pct(shared, (10, 50, 90)) | {"min": int(shared.min())},
        }
        top = np.argsort(-papers)[:50]
        cross = [(a, b) for i, a in enumerate(top) for b in top[i + 1 :]
                 if field[a] != field[b]][:200]  # fmt: skip
        cross_shared = np.array([
            len(np.intersect1d(graph.indices[graph.indptr[a]:graph.indptr[a + 1]],
                               graph.indices[graph.indptr[b]:graph.indptr[b + 1]]))
            for a, b in cross])  # fmt: skip
        if len(cross):
            result["top50_cross_field_pairs_shared"] = pct(cross_shared, (10, 50, 90))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path)
    parser.add_argument("--generate", type=int)
    parser.add_argument("--authors-per-paper", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--sample", type=int, default=20000)
    args = parser.parse_args()
    if args.db:
        starts, authors = csr_from_db(args.db)
        side = args.db.with_name(args.db.name + ".communities.npz")
        field = np.load(side)["field"] if side.exists() else None
    else:
        import synthetic

        seed = synthetic.SEED if args.seed is None else args.seed
        corpus = synthetic.generate_corpus(
            np.random.default_rng(seed), args.generate, args.authors_per_paper
        )
        starts, authors, field = corpus.starts, corpus.authors, corpus.field
    result = analyse(starts, authors, field, sample=args.sample)
    print(json.dumps(result, indent=1))
    print()
    print(comparison(result))


DBLP = {  # (label, published figure, how to read ours from analyse())
    "average local clustering (SNAP)": (0.6324, lambda r: r["avg_local_clustering_snap"]),
    "degree power-law exponent, d >= 59 (KONECT)": (3.22, lambda r: r["degree"]["alpha(d>=59)"][0]),
    "papers per co-author pair (KONECT)": (1.77, lambda r: r["papers_per_coauthor_pair"]),
    "people per paper (DBLP)": (0.47, lambda r: r["people"] / r["papers"]),
    "authors per paper (DBLP)": (3.0, lambda r: r["authors_per_paper"]["mean"]),
}


def comparison(result: dict) -> str:
    lines = ["| figure | this graph | DBLP |", "|---|--:|--:|"]
    for label, (published, ours) in DBLP.items():
        shown = "—" if published is None else f"{published:g}"
        lines.append(f"| {label} | {ours(result):.3g} | {shown} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
