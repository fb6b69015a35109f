"""The standard printing conditions of the ICC registry a book may name (`[pdf]
output-condition`): their identifiers, descriptions and free characterisation data. Data
only (the settings check names against it); conditions.py makes their profiles."""

from __future__ import annotations

from dataclasses import dataclass

REGISTRY = "http://www.color.org"
#: The condition of a print PDF that names none (and gives no profile of its own).
DEFAULT_CONDITION = "FOGRA39"


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
