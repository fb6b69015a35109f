"""Standard printing conditions (`[pdf] output-condition`): the characterised conditions a
printer names in the ICC registry, and the CMYK profile of each made from free data.

A PDF/X OutputIntent names its condition by registry identifier (`FOGRA39`), registry
(http://www.color.org) and description, and embeds a profile of it. Debian's
icc-profiles-free ships the characterisation data of the FOGRA and CGATS conditions
(`.ti3` measurement files) but no CMYK profiles made from them; Argyll's colprof (Debian
package argyll) makes one in a few seconds, once per machine (kept in the cache folder).
FOGRA51 (PSO Coated v3) and Japan Color have no free data: they need `output-profile`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import PublishError
from ..fonts import cache_folder
from .registry import Condition

#: Where icc-profiles-free puts the characterisation data.
DATA = Path("/usr/share/color/icc")
#: Bump when the way profiles are made changes (the cached ones are then remade).
PROFILE_VERSION = 1


def condition_profile(condition: Condition) -> Path:
    """The CMYK profile of `condition`, made once from icc-profiles-free's data with
    colprof (Argyll) and kept in the cache folder. A PublishError if it cannot be made."""
    if condition.data is None:
        raise PublishError(
            f"no free profile of {condition.identifier} ({condition.description}) exists: "
            "give the printer's profile as `[pdf] output-profile`"
        )
    target = cache_folder() / "icc" / f"{condition.data}-{PROFILE_VERSION}.icc"
    if target.is_file():
        return target
    source = DATA / f"{condition.data}.ti3"
    colprof = shutil.which("colprof")
    if colprof is None or not source.is_file():
        raise PublishError(
            f"the profile of {condition.identifier} is made with Argyll's colprof from "
            f"{source} (Debian packages argyll and icc-profiles-free): run `make`, "
            "or give `[pdf] output-profile`"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        shutil.copy(source, Path(scratch) / source.name)
        made = Path(scratch) / "profile.icc"
        command = [colprof, "-ql", "-kr", "-l", str(condition.ink), "-D",
                   condition.description, "-O", str(made), condition.data]  # fmt: skip
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        if done.returncode != 0 or not made.is_file():
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PublishError(
                f"colprof could not make the {condition.identifier} profile: {last[0]}"
            )
        made.replace(target)
    return target
