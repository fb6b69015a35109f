"""Footnotes on the page of their call: no note lost, none set a page late (WeasyPrint 70.x).

When a line does not fit at a page's foot, WeasyPrint 70 first tries to make room by moving
notes already on the page to the next one (upstream #2432), and if that works, it puts the
line on the page without laying out the notes the line itself calls: a note called there is
lost, and the notes moved away are set a page or more after their calls (upstream #1564;
the rich test book at a line-height of 1.6555 loses its second note and sets its first two
pages late).

That attempt is switched off here: a line that does not fit goes to the next page, under
the orphans and widows rules, and the notes of the lines before it stay where they are.
With `footnote-policy: line` (styles/print.css), a line whose note does not fit in what is
left of the page goes to the next page with its note, as WeasyPrint intends. A note is set
apart from its call only when it does not fit on a page by itself (on a page where its
line is the first), where WeasyPrint sets it on the next page: notes are not split.

Internals relied on, checked by ``check_internals`` before patching:
``weasyprint.layout.block._linebox_layout`` decides the attempt in one statement
(``report = not context.in_column and can_break_now and not could_break_before``) and
looks up ``_break_line`` and the other helpers as module globals; ``block_container_layout``
calls ``_linebox_layout`` as a module global. The function is compiled again from its
source with that statement made ``report = False``, in the module's namespace.
"""

from __future__ import annotations

import inspect

from .load import load, refuse_if_changed

load()  # before WeasyPrint's first import (see weasy/load.py)

from weasyprint.layout import block as _block  # noqa: E402

#: The statement that decides to move notes away to fit a line, and what it becomes.
ATTEMPT = "report = not context.in_column and can_break_now and not could_break_before"
NO_ATTEMPT = "report = False"

_installed = False


def check_internals() -> None:
    """Raise if WeasyPrint no longer lays out lines and their notes the way the patch
    relies on."""
    expect = {
        _block._linebox_layout: (
            ATTEMPT,
            "context.report_footnote(context.current_page_footnotes[-1])",
            "footnote.style['footnote_policy'] == 'line'",
            "abort, stop, resume_at = _break_line(",
        ),
        _block.block_container_layout: ("= _linebox_layout(",),
        _block._break_line: ("remove_placeholders(context, line.children",),
        _block.remove_placeholders: ("context.unlayout_footnote(box.footnote)",),
    }
    refuse_if_changed("footnotes", expect)


def install() -> None:
    """Check WeasyPrint's internals and make lines keep their notes (idempotent)."""
    global _installed
    if _installed:
        return
    check_internals()
    function = _block._linebox_layout
    source = inspect.getsource(function)
    assert source.count(ATTEMPT) == 1, "checked above"
    # Blank lines first, so that a traceback names the lines of WeasyPrint's file.
    padding = "\n" * (function.__code__.co_firstlineno - 1)
    namespace: dict = {}
    code = compile(padding + source.replace(ATTEMPT, NO_ATTEMPT), _block.__file__, "exec")
    exec(code, _block.__dict__, namespace)  # noqa: S102 - WeasyPrint's own source, one line changed
    _block._linebox_layout = namespace["_linebox_layout"]
    _installed = True
