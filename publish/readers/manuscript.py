"""Our own manuscript: book.toml with `[book] chapters = [...]` (one file a chapter, each
opening with its `# title`), or with `summary = "SUMMARY.md"` (our metadata, a summary's
table of contents, read as mdBook's)."""

from __future__ import annotations

from pathlib import Path

from ..config import BookConfig, key_line, load_config
from ..errors import PublishError
from ..images import IMAGE_TYPES, check_image
from ..model import Book, Resource, Warning
from .assemble import Assembler, TopEntry
from .common import metadata, read_summary, top_entries
from .summary import Entry

#: The matter each kind of chapter (config.CHAPTER_KINDS) belongs to, and its rank.
_MATTER = {"dedication": "front", "preface": "front", "chapter": "body", "afterword": "back",
           "appendix": "back"}  # fmt: skip
_RANK = {kind: ("front", "body", "back").index(matter) for kind, matter in _MATTER.items()}


def read(folder: Path, config: BookConfig | None = None) -> Book:
    """Read a manuscript folder into a Book; any user mistake raises a PublishError."""
    config = config or load_config(folder / "book.toml")
    raw = config.book
    root = folder.resolve()
    warnings: list[Warning] = []
    inputs = [config.path]
    if "summary" in raw:
        path, _ = named_file(
            root, raw["summary"], config.path, "summary", f"summary `{raw['summary']}`"
        )
        tops = top_entries(read_summary(path, root), path, warnings)
        assembler = Assembler(root, config.settings, warnings, language=raw["language"])
        chapters = assembler.chapters(tops, path)
        inputs.append(path)
    else:
        line = key_line(config.path.read_text(encoding="utf-8"), "chapters", "book") or 0
        kinds = raw.get("chapter-kinds") or ["chapter"] * len(raw["chapters"])
        # Front matter first and back matter last, whatever their place in the list.
        order = sorted(zip(raw["chapters"], kinds, strict=True), key=lambda c: _RANK[c[1]])
        tops = [TopEntry(Entry("", name, line), _MATTER[kind]) for name, kind in order]
        assembler = Assembler(
            root, config.settings, warnings, strict=True, language=raw["language"]
        )
        chapters = assembler.chapters(tops, config.path)
        for chapter, (_, kind) in zip(chapters, order, strict=True):
            chapter.kind = kind
    cover_resource = cover(root, raw["cover"], config.path) if raw.get("cover") else None
    return assembler.book(folder, metadata(raw), chapters, cover_resource, "manuscript", inputs)


def cover(root: Path, name: str, toml: Path, section: str = "book") -> Resource:
    """The cover image the configuration names: a JPEG or PNG inside the book's folder."""
    path, line = named_file(root, name, toml, "cover", f"cover `{name}`", section)
    suffix = path.suffix.lower()
    if IMAGE_TYPES.get(suffix) not in ("image/jpeg", "image/png"):
        raise PublishError(f"cover `{name}` must be a JPEG or PNG image", toml, line)
    check_image(path, name, toml, line)
    return Resource(path.relative_to(root).as_posix(), path, IMAGE_TYPES[suffix])


def named_file(
    root: Path, name: str, toml: Path, key: str, what: str, section: str = "book"
) -> tuple[Path, int | None]:
    """A file the configuration names under `key`: it must exist inside the book's folder
    (after symlinks are followed). Returns it with the line of `key`, for messages."""
    try:
        line = key_line(toml.read_text(encoding="utf-8"), key, section)
    except (OSError, UnicodeDecodeError):
        line = None
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise PublishError(f"{what} is outside the manuscript folder", toml, line)
    if not path.is_file():
        raise PublishError(f"{what} not found", toml, line)
    return path, line
