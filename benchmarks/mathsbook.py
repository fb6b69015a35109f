"""A generated maths-heavy book and a prose book of about as many pages, to measure what
formulas cost per page (issue 23 §3: at most 1.5× a prose page).

    python benchmarks/mathsbook.py OUT [--chapters 8] [--seed 23] [--prose]

Each chapter has paragraphs of 三国演义's prose (`techbook.Prose`; the sample manuscript if
the corpus is missing) with two inline formulas each, and a display formula after each
paragraph: `aligned` derivations, `cases` with Chinese in `\\text{}`, matrices, sums and
fractions, as a machine-learning book has them; every formula distinct (no two alike, so the
cache of converted formulas is no help within a build). `--prose` writes the same chapters
without the formulas, with prose in their place (an inline formula as six characters, a
display as a short paragraph), so that both books have about as many pages.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from techbook import Prose  # noqa: E402

TOML = """[book]
title = "{title}"
authors = ["基准"]
language = "zh-CN"
identifier = "urn:uuid:6b1f0c3e-2a4d-4f7b-8c9e-{tail}"
chapters = [{chapters}]
"""
GREEK = ["alpha", "beta", "gamma", "lambda", "mu", "sigma", "theta", "omega", "eta", "xi"]
WORDS = ["好瓜", "坏瓜", "青绿", "乌黑", "浅白", "蜷缩", "稍蜷", "硬挺", "清晰", "模糊"]


def inline(rng: random.Random, n: int) -> str:
    """An inline formula (distinct for each `n`)."""
    g = rng.choice(GREEK)
    forms = [
        f"\\{g}_{{{n}}} = \\frac{{1}}{{{n + 1}}}",
        f"\\boldsymbol{{x}}_{{{n}}} \\in \\mathbb{{R}}^{{{n % 9 + 2}}}",
        f"P(\\text{{{rng.choice(WORDS)}}} \\mid x_{{{n}}})",
        f"\\sum_{{i=1}}^{{{n}}} w_i x_i",
        f"\\operatorname{{sign}}(z_{{{n}}})",
    ]
    return rng.choice(forms)


def display(rng: random.Random, n: int) -> str:
    """A display formula (distinct for each `n`)."""
    g, h = rng.sample(GREEK, 2)
    forms = [
        f"\\begin{{aligned}}\nE_{{{n}}}(\\boldsymbol{{w}}) &= \\sum_{{i=1}}^{{m}}"
        f"\\left(y_i - \\boldsymbol{{w}}^{{\\mathrm{{T}}}} \\boldsymbol{{x}}_i\\right)^2 \\\\\n"
        f"&= (\\boldsymbol{{y}} - \\mathbf{{X}}\\boldsymbol{{w}})^{{\\mathrm{{T}}}}"
        f"(\\boldsymbol{{y}} - \\mathbf{{X}}\\boldsymbol{{w}})"
        f" + \\{g} \\|\\boldsymbol{{w}}\\|_{{{n}}}"
        "\n\\end{aligned}",
        f"f_{{{n}}}(x) = \\begin{{cases}} 1, & \\text{{若 }} x \\text{{ 为{rng.choice(WORDS)}}} "
        f"\\\\ -{n}, & \\text{{否则}} \\end{{cases}}",
        f"\\mathbf{{A}}_{{{n}}} = \\begin{{bmatrix}} \\{g} & {n} \\\\ 0 & \\{h} \\end{{bmatrix}}",
        f"\\frac{{\\partial \\ell_{{{n}}}}}{{\\partial \\{g}}} = -\\sum_{{i=1}}^{{m}} "
        f"\\frac{{\\{h}_i x_i}}{{1 + e^{{-{n} x_i}}}}",
        f"p(\\boldsymbol{{x}} \\mid \\{g}_{{{n}}}) = \\frac{{1}}{{\\sqrt{{2\\pi}}\\sigma}}"
        f"\\exp\\left(-\\frac{{(x-\\mu_{{{n}}})^2}}{{2\\sigma^2}}\\right)",
    ]
    return rng.choice(forms)


def chapter(rng: random.Random, prose: Prose, number: int, maths: bool, counter: list[int]):
    lines = [f"# 第{number}章 公式\n"]
    for _ in range(14):
        text = prose.paragraph(160)
        pieces = text.split("，")
        for at in sorted(rng.sample(range(1, max(2, len(pieces))), min(2, len(pieces) - 1))):
            counter[0] += 1
            pieces[at] = (f"${inline(rng, counter[0])}$" if maths else "六个字的文字") + pieces[at]
        lines.append("，".join(pieces) + "\n")
        counter[0] += 1
        formula = display(rng, counter[0])
        lines.append(f"$$\n{formula}\n$$\n" if maths else prose.paragraph(40) + "\n")
    return "\n".join(lines)


def generate(folder: Path, chapters: int = 8, seed: int = 23, maths: bool = True) -> int:
    """Write the book into `folder`; the number of formulas (0 for the prose book)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng, counter = random.Random(seed), [0]
    prose = Prose(random.Random(seed))
    names = []
    for number in range(1, chapters + 1):
        name = f"ch{number:02}.md"
        names.append(name)
        (folder / name).write_text(chapter(rng, prose, number, maths, counter), "utf-8")
    title, tail = ("公式之书", "000000000023") if maths else ("散文之书", "000000000024")
    chapters_list = ", ".join(f'"{n}"' for n in names)
    (folder / "book.toml").write_text(
        TOML.format(title=title, tail=tail, chapters=chapters_list), "utf-8"
    )
    return counter[0] if maths else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chapters", type=int, default=8)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--prose", action="store_true", help="the prose book of as many pages")
    args = parser.parse_args()
    count = generate(args.out, args.chapters, args.seed, maths=not args.prose)
    print(f"{args.out}: {args.chapters} chapters, {count} formulas")


if __name__ == "__main__":
    main()
