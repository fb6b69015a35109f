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
from dataclasses import dataclass
from pathlib import Path

from ..errors import PublishError
from ..fonts import cache_folder

#: Where icc-profiles-free puts the characterisation data.
DATA = Path("/usr/share/color/icc")
REGISTRY = "http://www.color.org"
#: The condition of a print PDF that names none (and gives no profile of its own).
DEFAULT_CONDITION = "FOGRA39"
#: Bump when the way profiles are made changes (the cached ones are then remade).
PROFILE_VERSION = 1


@dataclass(frozen=True)
class Condition:
    """A characterised printing condition of the ICC registry."""

    identifier: str  # OutputConditionIdentifier
    description: str  # OutputCondition
    data: str | None  # the .ti3 of icc-profiles-free (None: no free data)
    ink: int  # the condition's total area coverage (%), the profile's ink limit


CONDITIONS = {
    c.identifier: c
    for c in (
        Condition("FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004/Amd 1, paper type 1/2, coated art)",
                  "FOGRA39L", 330),
        Condition("FOGRA29", "Uncoated FOGRA29 (ISO 12647-2:2004/Amd 1, paper type 4, uncoated)",
                  "FOGRA29L", 300),
        Condition("FOGRA28", "Web coated FOGRA28 (ISO 12647-2:2004, paper type 3, LWC)",
                  "FOGRA28L", 300),
        Condition("FOGRA30", "Uncoated FOGRA30 (ISO 12647-2:2004, paper type 5, yellowish)",
                  "FOGRA30L", 300),
        Condition("FOGRA40", "SC paper FOGRA40 (ISO 12647-2:2004, supercalendered)",
                  "FOGRA40L", 270),
        Condition("CGATS TR 006", "GRACoL 2006 Coated #1 (CGATS TR 006)", "TR006", 320),
        Condition("CGATS TR 005", "SWOP Grade 5 (CGATS TR 005)", "TR005", 300),
        Condition("CGATS TR 003", "SWOP Grade 3 (CGATS TR 003)", "TR003", 300),
        Condition("CGATS TR 002", "SNAP newsprint (CGATS TR 002)", "TR002", 260),
        Condition("FOGRA51", "PSO Coated v3 (ISO 12647-2:2013, FOGRA51)", None, 300),
        Condition("JC200103", "Japan Color 2001 Coated", None, 350),
        Condition("JC200104", "Japan Color 2001 Uncoated", None, 310),
    )
}  # fmt: skip
#: Other spellings users write.
ALIASES = {"GRACOL2006": "CGATS TR 006", "GRACOL": "CGATS TR 006", "SWOP": "CGATS TR 003"}


def find_condition(name: str) -> Condition | None:
    """The condition `name` names (case and spaces ignored), or None."""
    key = name.strip().upper()
    key = ALIASES.get(key.replace(" ", ""), key)
    squashed = {k.replace(" ", ""): c for k, c in CONDITIONS.items()}
    return CONDITIONS.get(key) or squashed.get(key.replace(" ", ""))


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
