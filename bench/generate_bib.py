"""Generate a realistic .bib file for import benchmarks (deterministic).

Entries look like real bibliographies: accented names written in TeX (Boull{\\'e},
{\\O}deg{\\aa}rd), math and macros in titles ($O(n \\log n)$, {\\LaTeX}), @string
journal macros, month macros, DOIs, arXiv eprints, abstracts, 1-8 authors.

    python bench/generate_bib.py --entries 20000 --out bench/out/generated-20k.bib
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

GIVEN = [
    "Samy", "Oussama", "Nicolas", "Ana", "Jos{\\'e}", "Fran{\\c{c}}ois", "J{\\\"o}rg",
    "S{\\o}ren", "{\\L}ukasz", "Zo{\\\"e}", "Yuanzhi", "Eran", "Sham M.", "Mar{\\'\\i}a",
    "Ren{\\'e}", "Bj{\\\"o}rn", "{\\AA}sa", "Chlo{\\'e}", "Dmitry", "Hao", "Mei", "Kenji",
]  # fmt: skip
FAMILY = [
    "Jelassi", "Zekri", "Boull{\\'e}", "M{\\\"u}ller", "{\\O}deg{\\aa}rd", "Ko{\\v{c}}i",
    "Garc{\\'\\i}a", "d'Ascoli", "Vanden-Eijnden", "Domingo-Enrich", "Li", "Malach",
    "Kakade", "Wang", "Nu{\\~n}ez", "Erd{\\H{o}}s", "Stra{\\ss}er", "van der Berg",
    "Schr{\\\"o}dinger", "Smith", "Tanaka", "Nguyen", "Kowalski", "{\\v{S}}ebek",
]  # fmt: skip
WORDS = (
    "learning deep neural networks transformers diffusion models policy gradient "
    "convergence stochastic optimization bayesian inference markov chains graphs "
    "sparse representations kernel methods generalization attention language "
    "reinforcement analysis theory efficient scalable robust private federated"
).split()
TITLE_EXTRAS = [
    "$O(n \\log n)$", "{\\LaTeX}", "$\\mu$P", "{B}ayesian", "10\\%", "$10^{21}$",
    "{\\TeX} Live", "{GPU}", "{M}arkov", "$\\ell_1$", "\\emph{in vivo}",
]  # fmt: skip
JOURNALS = {"jmlr": "Journal of Machine Learning Research", "tpami": "IEEE TPAMI",
            "siam": "SIAM Journal on Optimization", "nat": "Nature"}  # fmt: skip
BOOKTITLES = ["Advances in Neural Information Processing Systems",
              "International Conference on Machine Learning (ICML)",
              "International Conference on Learning Representations",
              "Proceedings of the AAAI Conference on Artificial Intelligence"]  # fmt: skip
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def _title(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 10))
    words[0] = words[0].capitalize()
    if rng.random() < 0.35:
        words.insert(rng.randrange(len(words)), rng.choice(TITLE_EXTRAS))
    return " ".join(words)


def _authors(rng: random.Random) -> str:
    names = []
    for _ in range(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8])):
        names.append(f"{rng.choice(FAMILY)}, {rng.choice(GIVEN)}")
    return " and ".join(names)


def entry(rng: random.Random, index: int) -> str:
    kind = rng.choices(["article", "inproceedings", "misc", "book", "phdthesis"],
                       [45, 35, 12, 4, 4])[0]  # fmt: skip
    year = rng.randint(1990, 2026)
    key = f"entry{index}"
    fields = [("author", "{" + _authors(rng) + "}"), ("title", "{" + _title(rng) + "}")]
    if kind == "article":
        fields += [("journal", rng.choice(list(JOURNALS))), ("volume", str(rng.randint(1, 60))),
                   ("number", str(rng.randint(1, 12)))]  # fmt: skip
    elif kind == "inproceedings":
        fields.append(("booktitle", "{" + rng.choice(BOOKTITLES) + "}"))
    elif kind == "book":
        fields.append(("publisher", "{Springer}"))
    elif kind == "phdthesis":
        fields.append(("school", "{Universit{\\'e} Paris-Saclay}"))
    fields += [("year", str(year)), ("month", rng.choice(MONTHS))]
    if kind in ("article", "inproceedings"):
        start = rng.randint(1, 900)
        fields.append(("pages", f"{{{start}--{start + rng.randint(5, 30)}}}"))
    if rng.random() < 0.6:
        fields.append(("doi", f"{{10.{rng.randint(1000, 9999)}/gen.{index}}}"))
    if kind == "misc" or rng.random() < 0.2:
        yymm = f"{rng.randint(10, 25):02d}{rng.randint(1, 12):02d}"
        fields += [("eprint", f"{{{yymm}.{index % 100000:05d}}}"), ("archivePrefix", "{arXiv}")]
    if rng.random() < 0.3:
        fields.append(("abstract", "{" + " ".join(rng.choices(WORDS, k=60)) + ".}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def generate(entries: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    strings = "".join(f'@string{{{k} = "{v}"}}\n' for k, v in JOURNALS.items())
    return strings + "\n" + "\n".join(entry(rng, i) for i in range(entries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("bench/out/generated-20k.bib"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(generate(args.entries, args.seed), encoding="utf-8")
    print(f"wrote {args.entries} entries to {args.out}")


if __name__ == "__main__":
    main()
