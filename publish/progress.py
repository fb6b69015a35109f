"""Progress of a long build on a terminal: the step, the page being laid out, the time."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import TextIO


class Progress(logging.Handler):
    """Shows one self-overwriting status line on `stream`; silent when disabled."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True):
        super().__init__(logging.INFO)
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.start = time.perf_counter()
        self.width = 0
        self.pages = 0
        self.text = ""
        self._logger = logging.getLogger("weasyprint.progress")
        self._saved = (self._logger.level, self._logger.propagate)

    def __enter__(self) -> Progress:
        if self.enabled:
            self._logger.addHandler(self)
            self._logger.setLevel(logging.INFO)
            self._logger.propagate = False
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._logger.removeHandler(self)
            self._logger.setLevel(self._saved[0])
            self._logger.propagate = self._saved[1]
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()

    def step(self, text: str) -> None:
        if not self.enabled:
            return
        self.text = text
        line = f"publish: {text} · {time.perf_counter() - self.start:.0f} s"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = max(self.width, len(line))

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        page = re.search(r"Creating layout - Page (\d+)", message)
        if page:
            number = int(page.group(1))
            if number > self.pages:
                self.pages = number
                self.step(f"laying out the print edition: page {number}")
            else:  # WeasyPrint's later passes, for page references and running heads
                self.step(f"checking the layout: page {number} of {self.pages}")
        elif "Creating PDF" in message and not self.text.startswith("writing the PDF"):
            self.step("writing the PDF")
        elif "Creating formatting structure" in message:
            self.step("reading the print HTML")


#: A Progress that shows nothing (the default of the build functions).
def silent() -> Progress:
    return Progress(enabled=False)
