"""Numbers written into laid-out pages: the pages after links and the TOC's page numbers
of a long book laid out in segments (linkpages.py decides what they are).

A piece is laid out with zeros of each number's length after its links (printlinks.mark)
and in its TOC (layout.FRONT_CSS), in tabular figures. Once every page is known, the
join puts the number's digits in place of the zeros' glyphs in the page's drawing: the
figures are as wide, so nothing else moves. Where the zeros are drawn, and the glyphs of
the ten digits in their face, are found when the piece is laid out (`collect`, `resolve`).
A number a digit longer is written in where its line has room, the rest of the line (and
its links) moved by a figure; one a digit shorter anywhere, in the middle of the zeros'
width where the line has no room to close up (`Placement.fits`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ...fonts import cid_widths, postscript_name
from ...units import PT_PER_PX

#: The digits a number after a link is printed in: Arabic, or a vertical edition's
#: Chinese numerals (vertical.chinese_numerals), their zeros standing for the digits alike.
ARABIC = "0123456789"
CHINESE = "〇一二三四五六七八九"


class Placement(NamedTuple):
    """A placeholder in a piece's PDF."""

    page: int  # from 0
    target: str
    x: float  # the text matrix of the text holding it (CSS px, as WeasyPrint draws it)
    y: float
    show: int  # which text shown after that matrix holds the zeros
    start: int  # which of its glyphs is the first zero
    count: int
    font: str  # the font's resource name
    #: The glyph ids of "0"…"9" (4 hex digits each); empty when the digits cannot take the
    #: zeros' place (the number is then laid out as it reads).
    digits: str
    width: float  # the digits' width (the font's /W units)
    #: The line's top and bottom, and the room left at its end (CSS px; none on a line
    #: set justified, or centred): a number a digit longer fits in it, the rest of the
    #: line moved by a digit's width (`advance`, CSS px). A number a digit shorter always
    #: fits: the rest of the line moved back where there is room, else set in the middle
    #: of its zeros' width (half a figure's space each side, as between Han and digits).
    top: float = 0.0
    bottom: float = 0.0
    room: float = -1.0
    advance: float = 0.0
    #: The ten digits' characters: a vertical edition prints Chinese numerals (〇一二…).
    numerals: str = ARABIC

    def fits(self, number: str) -> bool:
        """Whether `number` can be written in place of the zeros."""
        if not self.digits or not number.isdigit():
            return False
        change = len(number) - self.count
        return change == 0 or (change == 1 and self.room >= self.advance - 0.01) or change == -1


_ZEROS_RE = re.compile(r"0+|〇+")


def collect(document) -> list[tuple]:
    """The placeholders a laid-out WeasyPrint document draws: page, target, the origin of
    the text holding the zeros (x and baseline, CSS px, as draw_text sets the text matrix),
    how many zeros, and their line's top, bottom and room left at its end (-1 when the
    line is justified to its end or aligned otherwise than at its start)."""
    # late: WeasyPrint loads only when used (start-up time)
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    found: list[tuple] = []

    def room(line_in_block) -> float:
        line, block = line_in_block
        style = line.style
        if style["text_align_all"] not in ("start", "left", "justify") or style[
            "text_align_last"
        ] not in ("auto", "start", "left", "justify"):
            return -1.0
        end = max((c.position_x + c.margin_width() for c in line.children), default=0.0)
        return block.content_box_x() + block.width - end

    def walk(box, page: int, target: str | None, line) -> None:
        for child in getattr(box, "children", None) or ():
            if isinstance(child, TextBox):
                zeros = _ZEROS_RE.findall(child.text) if target is not None else []
                if len(zeros) == 1:
                    y = child.position_y + child.baseline
                    top, bottom = (
                        (line[0].position_y, line[0].position_y + line[0].height)
                        if line
                        else (y, y)
                    )
                    left = room(line) if line is not None else -1.0
                    found.append(
                        (page, target, child.position_x, y, len(zeros[0]), top, bottom, left)
                    )
                continue
            inner = None
            element = getattr(child, "element", None)
            if getattr(child, "element_tag", "") == "a::after" and element is not None:
                # A link's page (printlinks.mark), or a TOC entry's (layout.FRONT_CSS).
                number = element.get("data-ref-page") or element.get("data-page") or ""
                if number and not number.strip("0〇"):
                    inner = (element.get("href") or "#")[1:]
            walk(child, page, inner or target, (child, box) if isinstance(child, LineBox) else line)

    for number, page in enumerate(document.pages):
        walk(page._page_box, number, None, None)
    return found


def _runs(instructions) -> list[tuple[float, float, list[tuple[int, str | None, float]]]]:
    """Each text matrix set (its origin) with the texts shown after it, up to the next one:
    their instruction's index and the font and size then selected (the graphics state's:
    saved by q, restored by Q)."""
    fonts: list[tuple[str | None, float]] = [(None, 0.0)]
    runs: list[tuple[float, float, list[tuple[int, str | None, float]]]] = []
    for index, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator == "q":
            fonts.append(fonts[-1])
        elif operator == "Q" and len(fonts) > 1:
            fonts.pop()
        elif operator == "Tf":
            fonts[-1] = (str(instruction.operands[0]), float(instruction.operands[1]))
        elif operator == "Tm":
            values = [float(v) for v in instruction.operands]
            runs.append((values[4], values[5], []))
        elif operator in ("TJ", "Tj") and runs:
            runs[-1][2].append((index, *fonts[-1]))
    return runs


def _find(runs, x: float, y: float):
    for run in runs:
        if abs(run[0] - x) < 0.01 and abs(run[1] - y) < 0.01:
            return run[2]
    return None


def _glyphs(operands) -> list[int]:
    """The glyph ids a TJ or Tj shows (two bytes each, as WeasyPrint writes them)."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    items = operands[0] if isinstance(operands[0], pikepdf.Array) else [operands[0]]
    data = b"".join(bytes(item) for item in items if isinstance(item, pikepdf.String))
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


_digit_cache: dict[tuple[str, int, str], tuple[list[int], list[int]] | None] = {}


def _digits_of(path: str, index: int, numerals: str = ARABIC) -> tuple[list[int], list[int]] | None:
    """The glyph ids and advances of "0"…"9" in tabular figures (or of `numerals`), as
    HarfBuzz shapes them."""
    key = (path, index, numerals)
    if key not in _digit_cache:
        import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

        font = hb.Font(hb.Face(hb.Blob.from_file_path(path), index))
        glyphs, advances = [], []
        for digit in numerals:
            buffer = hb.Buffer()
            buffer.add_str(digit)
            buffer.guess_segment_properties()
            hb.shape(font, buffer, {"tnum": True})
            if len(buffer.glyph_infos) != 1:
                break
            glyphs.append(buffer.glyph_infos[0].codepoint)
            advances.append(buffer.glyph_positions[0].x_advance)
        _digit_cache[key] = (glyphs, advances) if len(glyphs) == 10 else None
    return _digit_cache[key]


def _program(font) -> bytes | None:
    descriptor = (
        font.DescendantFonts[0].get("/FontDescriptor") if "/DescendantFonts" in font else None
    )
    for key in ("/FontFile2", "/FontFile3"):
        if descriptor is not None and key in descriptor:
            return descriptor[key].read_bytes()
    return None


def resolve(path, found: list[tuple], faces: dict[str, tuple]) -> list[Placement]:
    """The placements of `found` in the PDF at `path`, each with the glyphs of the ten
    digits in the face its zeros are drawn in (`faces`: PostScript name → file and index),
    if they can take the zeros' place: that face known, its digits all as wide, its zero
    the glyph drawn."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    placements: list[Placement] = []
    with pikepdf.open(path) as pdf:
        by_page: dict[int, list] = {}
        for item in found:
            by_page.setdefault(item[0], []).append(item)
        for number, items in sorted(by_page.items()):
            page = pdf.pages[number]
            instructions = pikepdf.parse_content_stream(page)
            runs = _runs(instructions)
            fonts = page.obj.Resources.get("/Font") or {}
            for _page, target, x, y, count, top, bottom, room in items:
                placement = Placement(number, target, x, y, 0, 0, count, "", "", 0.0)
                for k, (index, name, size) in enumerate(_find(runs, x, y) or []):
                    font = fonts.get(name) if name else None
                    program = _program(font) if font is not None else None
                    face = faces.get(postscript_name(program) or "") if program else None
                    if face is None:
                        continue
                    drawn = _glyphs(instructions[index].operands)
                    found = _zeros_of(drawn, face, count)
                    if found is None:
                        continue
                    shaped, start, numerals = found
                    zero = shaped[0][0]
                    width = cid_widths(font.DescendantFonts[0].get("/W") or []).get(zero, 0.0)
                    digits = "".join(f"{glyph:04x}" for glyph in shaped[0])
                    placement = Placement(
                        number, target, x, y, k, start, count, name, digits, width,
                        top, bottom, room, width * size / 1000, numerals,
                    )  # fmt: skip
                    break
                placements.append(placement)
    return placements


def _zeros_of(drawn: list[int], face: tuple, count: int) -> tuple | None:
    """The ten digits' shapes, where the `count` zeros start in `drawn` and the digits'
    characters: Arabic, or a vertical edition's Chinese numerals (〇), all as wide."""
    for numerals in (ARABIC, CHINESE):
        shaped = _digits_of(str(face[0]), face[1], numerals)
        if not shaped or len(set(shaped[1])) != 1:
            continue
        start = _zeros_at(drawn, shaped[0][0], count)
        if start is not None:
            return shaped, start, numerals
    return None


def _zeros_at(glyphs: list[int], zero: int, count: int) -> int | None:
    """Where a run of exactly `count` zeros starts in `glyphs`, if there is one."""
    for start in range(len(glyphs) - count + 1):
        if (
            glyphs[start : start + count] == [zero] * count
            and (start == 0 or glyphs[start - 1] != zero)
            and (start + count == len(glyphs) or glyphs[start + count] != zero)
        ):
            return start
    return None


def write_numbers(pdf, first: int, placements: list[Placement], numbers: dict[str, str]) -> None:
    """Put each placement's number (`numbers`: target → printed page) in place of its zeros
    on the joined `pdf`'s pages (the piece's first page at index `first`), the rest of its
    line moved if the number is a digit longer or shorter (Placement.fits), and give the
    fonts the digits' widths and Unicode values (the text is read as printed)."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    by_page: dict[int, list[Placement]] = {}
    for placement in placements:
        if placement.digits:
            by_page.setdefault(placement.page, []).append(placement)
    fonts_done: dict[tuple[int, int], set[int]] = {}
    for number, items in by_page.items():
        page = pdf.pages[first + number]
        instructions = pikepdf.parse_content_stream(page)
        runs = _runs(instructions)
        changed = False
        for placement in items:
            value = numbers.get(placement.target, "")
            shows = _find(runs, placement.x, placement.y) or []
            if not placement.fits(value) or placement.show >= len(shows):
                continue
            glyphs = [int(placement.digits[i : i + 4], 16) for i in range(0, 40, 4)]
            index = shows[placement.show][0]
            start, count = placement.start, placement.count
            drawn = _glyphs(instructions[index].operands)
            if drawn[start : start + count] != [glyphs[0]] * count:
                continue
            new = [glyphs[int(d)] for d in value]
            shift = (len(value) - count) * placement.advance
            if shift < 0 and placement.room <= 0.5:  # no room to close up: in the middle
                pad, shift = placement.width * (count - len(value)) / 2, 0.0
            else:
                pad = 0.0
            instructions[index] = _shown(instructions[index], drawn, start, count, new, pad)
            if shift:
                _move_rest_of_line(instructions, placement, shift)
                _move_links(page, placement, shift)
            font = page.obj.Resources.Font[placement.font]
            done = fonts_done.setdefault(font.objgen, set())
            _add_digits(font, glyphs, placement.width, done, placement.numerals)
            changed = True
        if changed:
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _move_links(page, placement: Placement, shift: float) -> None:
    """Stretch or move by `shift` (CSS px) the links of the placement's line that end or
    start after it (a link's box includes its page number)."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    height = float(page.mediabox[3])
    x = placement.x * PT_PER_PX
    low, high = height - placement.bottom * PT_PER_PX, height - placement.top * PT_PER_PX
    for annotation in page.obj.get("/Annots") or []:
        x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
        if not low - 0.5 <= (y1 + y2) / 2 <= high + 0.5 or x2 <= x:
            continue
        x1 += shift * PT_PER_PX if x1 > x + 0.01 else 0
        annotation.Rect = pikepdf.Array([x1, y1, x2 + shift * PT_PER_PX, y2])


def _move_rest_of_line(instructions, placement: Placement, shift: float) -> None:
    """Move by `shift` (CSS px) the texts of the placement's line that start after it."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    for index, instruction in enumerate(instructions):
        if str(instruction.operator) != "Tm":
            continue
        values = [float(v) for v in instruction.operands]
        if (
            values[4] > placement.x + 0.01
            and placement.top - 0.01 <= values[5] <= placement.bottom + 0.01
        ):
            values[4] += shift
            instructions[index] = pikepdf.ContentStreamInstruction(values, instruction.operator)


def _shown(
    instruction, glyphs: list[int], start: int, count: int, new: list[int], pad: float = 0.0
):
    """`instruction` (TJ or Tj showing `glyphs`) with glyphs `start` to `start + count`
    replaced by `new`, each adjustment kept after its glyph (a digit added takes the
    adjustment between the zeros; the last digit, the one after the last zero), and `pad`
    (glyph space units) of space before and after them."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    # The text as glyphs, each with the adjustment that follows it.
    items = (
        list(instruction.operands[0])
        if str(instruction.operator) == "TJ"
        else [instruction.operands[0]]
    )
    lead: list = []  # adjustments before the first glyph
    shown: list[list] = []
    at = 0
    for item in items:
        if isinstance(item, pikepdf.String):
            size = len(bytes(item)) // 2
            shown.extend([glyph, 0] for glyph in glyphs[at : at + size])
            at += size
        elif shown:
            shown[-1][1] += float(item)
        else:
            lead.append(item)
    run = shown[start : start + count]
    between = run[0][1] if count > 1 else 0
    replaced = [[glyph, between] for glyph in new]
    replaced[-1][1] = run[-1][1] - pad  # a TJ adjustment moves the next glyph back
    if pad and start > 0:
        shown[start - 1][1] -= pad
    elif pad:
        lead.append(-pad)
    shown[start : start + count] = replaced
    out, data = list(lead), b""
    for glyph, adjustment in shown:
        data += glyph.to_bytes(2, "big")
        if adjustment:
            out += [pikepdf.String(data), adjustment]
            data = b""
    if data:
        out.append(pikepdf.String(data))
    if str(instruction.operator) == "Tj" and len(out) == 1:
        return pikepdf.ContentStreamInstruction(out, instruction.operator)
    return pikepdf.ContentStreamInstruction([pikepdf.Array(out)], pikepdf.Operator("TJ"))


def _add_digits(
    font, glyphs: list[int], width: float, done: set[int], numerals: str = ARABIC
) -> None:
    """Give a Type 0 font the digits' glyphs it lacks: their width in /W, their character
    in /ToUnicode."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    descendant = font.DescendantFonts[0]
    if not done:
        done.update(cid_widths(descendant.get("/W") or []).keys())
    new = [(glyph, digit) for digit, glyph in enumerate(glyphs) if glyph not in done]
    if not new:
        return
    widths = descendant.get("/W")
    if widths is None:
        descendant.W = widths = pikepdf.Array()
    for glyph, _digit in new:
        widths.append(glyph)
        widths.append(pikepdf.Array([width]))
        done.add(glyph)
    if "/ToUnicode" in font:
        cmap = font.ToUnicode.read_bytes()
        entries = b"".join(
            b"<%04x> <%04x>\n" % (glyph, ord(numerals[digit])) for glyph, digit in new
        )
        block = b"%d beginbfchar\n%bendbfchar\n" % (len(new), entries)
        at = cmap.rfind(b"endcmap")
        if at >= 0:
            font.ToUnicode.write(cmap[:at] + block + cmap[at:])
