"""book.toml settings and their defaults."""

from __future__ import annotations

import uuid

import pytest

from publish.config import PAGE_SIZES, load_config
from publish.errors import PublishError
from publish.pdf.geometry import geometry

MINIMAL = '[book]\ntitle = "书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'


def config(tmp_path, extra=""):
    path = tmp_path / "book.toml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return load_config(path)


def test_defaults(tmp_path):
    cfg = config(tmp_path)
    assert cfg.settings.pdf.page_size == PAGE_SIZES["A5"]
    assert cfg.settings.typography.normalize_punctuation is True
    # A stable identifier derived from the title.
    assert cfg.book["identifier"] == "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "书"))
    assert cfg.book["identifier"] == config(tmp_path).book["identifier"]


def test_settings(tmp_path):
    cfg = config(
        tmp_path,
        '[pdf]\npage-size = "B5"\nfont-size = "11pt"\nline-height = 1.8\nmargin = [20, 15]\n'
        '[typography]\nnormalize-punctuation = false\n[output]\nname = "mine"\n',
    )
    assert cfg.settings.pdf.page_size == (176, 250)
    assert cfg.settings.pdf.font_size == 11
    assert cfg.settings.pdf.margin == (20, 15, 20, 15)
    assert cfg.settings.typography.normalize_punctuation is False
    assert cfg.settings.output_name == "mine"


@pytest.mark.parametrize(
    "extra, message",
    [
        ('[pdf]\npage-size = "A9"\n', "`page-size` 'A9' is not one of"),
        ("[pdf]\nfont-size = true\n", "`font-size` must be a number"),
        ("[pdff]\n", "book.toml:6: unknown section `[pdff]`; did you mean `[pdf]`?"),
        (
            "[pdf]\nline-hight = 1.5\n",
            "unknown key in [pdf] `line-hight`; did you mean `line-height`?",
        ),
        ('[typography]\nnormalize-punctuation = "yes"\n', "must be true or false"),
    ],
)
def test_bad_settings(tmp_path, extra, message):
    with pytest.raises(PublishError) as error:
        config(tmp_path, extra)
    assert message in str(error.value)
    assert str(error.value).startswith(str(tmp_path / "book.toml") + ":")


@pytest.mark.parametrize("size", ["A5", "A4", "B6", "32K"])
def test_text_block_is_a_whole_number_of_characters_and_lines(tmp_path, size):
    settings = config(tmp_path, f'[pdf]\npage-size = "{size}"\n').settings.pdf
    g = geometry(settings)
    em = settings.font_size * 25.4 / 72
    measure = g.width - g.inner - g.outer
    assert measure / em == pytest.approx(g.chars_per_line, abs=1e-6)
    block = g.height - g.top - g.bottom
    assert (block - em) / (em * settings.line_height) + 1 == pytest.approx(g.lines_per_page)


def test_readme_documents_every_key():
    import re

    from conftest import ROOT
    from publish.config import SECTION_KEYS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml", 1)[1].split("```", 1)[0]
    documented: dict[str, set[str]] = {}
    section = None
    for line in block.splitlines():
        header = re.match(r"^\[(\w+)\]", line)
        if header:
            section = header.group(1)
            documented[section] = set()
        elif (key := re.match(r"^([a-zA-Z-]+)\s*=", line)) and section:  # zh-TW = {}
            documented[section].add(key.group(1))
    assert documented == SECTION_KEYS
