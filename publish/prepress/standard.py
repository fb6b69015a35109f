"""PDF/X: the OutputIntent (the press's CMYK profile) and the version keys in the
document information and XMP metadata, as PDF/X-4 (ISO 15930-7) and PDF/X-1a:2003
(ISO 15930-4) want them."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..render import build_time

if TYPE_CHECKING:
    import pikepdf

#: The version key of each standard (GTS_PDFXVersion).
VERSIONS = {"pdf/x-4": "PDF/X-4", "pdf/x-1a": "PDF/X-1a:2003"}
PDFXID = "http://www.npes.org/pdfx/ns/id/"
PDFX = "http://ns.adobe.com/pdfx/1.3/"


def profile_name(profile: Path) -> str:
    """The profile's description (the OutputCondition shown by preflight tools)."""
    from PIL import ImageCms  # late: Pillow loads only when used (start-up time)

    try:
        return ImageCms.getProfileDescription(ImageCms.getOpenProfile(str(profile))).strip()
    except (OSError, ImageCms.PyCMSError):
        return profile.stem


def mark_standard(pdf: pikepdf.Pdf, standard: str, profile: Path) -> None:
    """Add the OutputIntent with `profile` and the keys of `standard` to `pdf`."""
    # late: pikepdf loads only when used (start-up time)
    from pikepdf import Array, Dictionary, Name, String

    data = profile.read_bytes()
    components = 1 if data[16:20] == b"GRAY" else 4
    name = profile_name(profile)
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFX,
        OutputConditionIdentifier=String(name),
        OutputCondition=String(name),
        RegistryName=String("http://www.color.org"),
        Info=String(name),
        DestOutputProfile=pdf.make_stream(data, N=components),
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
    version = VERSIONS[standard]
    info = pdf.docinfo
    info[Name.GTS_PDFXVersion] = String(version)
    if standard == "pdf/x-1a":
        info[Name.GTS_PDFXConformance] = String(version)
    elif Name.GTS_PDFXConformance in info:
        del info[Name.GTS_PDFXConformance]
    info[Name.Trapped] = Name("/False")
    if Name.Title not in info:
        info[Name.Title] = String("Untitled")  # PDF/X requires a title
    date = build_time().strftime("D:%Y%m%d%H%M%SZ")
    for key in (Name.CreationDate, Name.ModDate):
        if key not in info:
            info[key] = String(date)
    _xmp(pdf, standard, version)


def _xmp(pdf: pikepdf.Pdf, standard: str, version: str) -> None:
    """The XMP packet: title, dates, and the PDF/X version in its namespace."""
    from lxml import etree  # late: lxml loads only when used (start-up time)

    # late: pikepdf loads only when used (start-up time)
    from pikepdf.models.metadata import XMP_NS_XMP

    etree.register_namespace("pdfxid", PDFXID)
    etree.register_namespace("pdfx", PDFX)
    stamp = build_time().strftime("%Y-%m-%dT%H:%M:%SZ")
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        with warnings.catch_warnings():  # keys without an XMP equivalent: set below
            warnings.simplefilter("ignore")
            meta.load_from_docinfo(pdf.docinfo, delete_missing=False)
        meta[f"{{{XMP_NS_XMP}}}CreateDate"] = stamp
        meta[f"{{{XMP_NS_XMP}}}ModifyDate"] = stamp
        meta[f"{{{XMP_NS_XMP}}}MetadataDate"] = stamp
        meta["pdf:Trapped"] = "False"
        if standard == "pdf/x-4":
            meta[f"{{{PDFXID}}}GTS_PDFXVersion"] = version
        else:
            meta[f"{{{PDFX}}}GTS_PDFXVersion"] = version
            meta[f"{{{PDFX}}}GTS_PDFXConformance"] = version
