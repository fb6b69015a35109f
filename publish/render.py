"""What both renderers share: templates, stylesheets, labels and the build time."""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PublishError
from .words import words

if TYPE_CHECKING:
    import jinja2

#: The stylesheets: installed as publish/styles/ (package data), or styles/ of the project
#: in a checkout (an editable install).
_INSTALLED = Path(__file__).resolve().parent / "styles"
STYLES = Path(
    os.environ.get(
        "PUBLISH_STYLES",
        _INSTALLED if _INSTALLED.is_dir() else Path(__file__).resolve().parent.parent / "styles",
    )
)


def labels(language: str) -> dict[str, str]:
    """The few words a book prints on its own (目录…), in the book's language."""
    return dict(words(language))


@cache
def environment(autoescape: bool = True) -> jinja2.Environment:
    import jinja2  # here: the check for an unchanged build does without it

    return jinja2.Environment(
        loader=jinja2.PackageLoader("publish", "templates"),
        autoescape=autoescape,
        trim_blocks=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def template(name: str) -> jinja2.Template:
    # CSS templates must not be HTML-escaped (quotes in font names).
    return environment(not name.endswith(".css")).get_template(name)


def stylesheet(name: str) -> str:
    """A stylesheet of `styles/`, as text."""
    path = STYLES / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PublishError(f"cannot read stylesheet: {exc.strerror}", path) from None


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set, so that builds can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError):
            raise PublishError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time") from None
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
