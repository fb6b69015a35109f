"""PDF/X: the OutputIntent (the press's CMYK profile) and the version keys in the
document information and XMP metadata, as PDF/X-4 (ISO 15930-7) and PDF/X-1a:2003
(ISO 15930-4) want them."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..render import build_time
from .registry import REGISTRY, Condition

if TYPE_CHECKING:
    import pikepdf

#: The version key pair of each standard: GTS_PDFXVersion and GTS_PDFXConformance (ISO
#: 15930-7 for X-4 has no conformance key; ISO 15930-4 and -1 name X-1a in the second).
VERSIONS: dict[str, tuple[str, str | None]] = {
    "pdf/x-4": ("PDF/X-4", None),
    "pdf/x-1a": ("PDF/X-1:2003", "PDF/X-1a:2003"),
    "pdf/x-1a:2001": ("PDF/X-1:2001", "PDF/X-1a:2001"),
}
#: The PDF version each standard is written as.
PDF_VERSIONS = {"pdf/x-4": "1.6", "pdf/x-1a": "1.4", "pdf/x-1a:2001": "1.3"}
PDFXID = "http://www.npes.org/pdfx/ns/id/"
PDFX = "http://ns.adobe.com/pdfx/1.3/"
XMPMM = "http://ns.adobe.com/xap/1.0/mm/"


def profile_name(profile: Path) -> str:
    """The profile's description (the OutputCondition shown by preflight tools)."""
    from PIL import ImageCms  # late: Pillow loads only when used (start-up time)

    try:
        return ImageCms.getProfileDescription(ImageCms.getOpenProfile(str(profile))).strip()
    except (OSError, ImageCms.PyCMSError):
        return profile.stem


def mark_standard(
    pdf: pikepdf.Pdf, standard: str, profile: Path, condition: Condition | None = None
) -> None:
    """Add the OutputIntent with `profile` (of the standard `condition`, if named) and
    the keys of `standard` to `pdf`; Info and XMP get the same dates and ids."""
    # late: pikepdf loads only when used (start-up time)
    from pikepdf import Array, Dictionary, Name, String

    data = profile.read_bytes()
    components = 1 if data[16:20] == b"GRAY" else 4
    name = profile_name(profile)
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFX,
        OutputConditionIdentifier=String(condition.identifier if condition else "Custom"),
        OutputCondition=String(condition.description if condition else name),
        Info=String(name),
        DestOutputProfile=pdf.make_stream(data, N=components),
    )
    if condition is not None:
        intent.RegistryName = String(REGISTRY)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
    version, conformance = VERSIONS[standard]
    info = pdf.docinfo
    info[Name.GTS_PDFXVersion] = String(version)
    if conformance:
        info[Name.GTS_PDFXConformance] = String(conformance)
    elif Name.GTS_PDFXConformance in info:
        del info[Name.GTS_PDFXConformance]
    info[Name.Trapped] = Name("/False")
    if Name.Title not in info:
        info[Name.Title] = String("Untitled")  # PDF/X requires a title
    when = build_time()
    # One instant for both: a preflight compares Info's dates with XMP's to the second.
    for key in (Name.CreationDate, Name.ModDate):
        info[key] = String(when.strftime("D:%Y%m%d%H%M%S+00'00'"))
    _xmp(pdf, standard, when.strftime("%Y-%m-%dT%H:%M:%S+00:00"))


def document_id(pdf: pikepdf.Pdf) -> str:
    """A uuid for xmpMM:DocumentID, the same for the same book built again (from its
    title and first page's size and content length), as reproducible builds want."""
    # late: loaded only when used (start-up time)
    import uuid

    first = pdf.pages[0].obj if len(pdf.pages) else {}
    seed = f"{pdf.docinfo.get('/Title', '')}|{len(pdf.pages)}|{list(first.get('/MediaBox', []))}"
    return f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish:' + seed)}"


def _xmp(pdf: pikepdf.Pdf, standard: str, stamp: str) -> None:
    """The XMP packet: title, dates, the ids ISO 15930-7 requires (DocumentID,
    InstanceID, VersionID, RenditionClass), the PDF/X version in its namespace."""
    from lxml import etree  # late: lxml loads only when used (start-up time)

    # late: pikepdf loads only when used (start-up time)
    from pikepdf.models.metadata import XMP_NS_XMP

    etree.register_namespace("pdfxid", PDFXID)
    etree.register_namespace("pdfx", PDFX)
    etree.register_namespace("xmpMM", XMPMM)
    version, conformance = VERSIONS[standard]
    identifier = document_id(pdf)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        with warnings.catch_warnings():  # keys without an XMP equivalent: set below
            warnings.simplefilter("ignore")
            meta.load_from_docinfo(pdf.docinfo, delete_missing=False)
        meta[f"{{{XMP_NS_XMP}}}CreateDate"] = stamp
        meta[f"{{{XMP_NS_XMP}}}ModifyDate"] = stamp
        meta[f"{{{XMP_NS_XMP}}}MetadataDate"] = stamp
        meta[f"{{{XMPMM}}}DocumentID"] = identifier
        meta[f"{{{XMPMM}}}InstanceID"] = identifier
        meta[f"{{{XMPMM}}}VersionID"] = "1"
        meta[f"{{{XMPMM}}}RenditionClass"] = "default"
        meta["pdf:Trapped"] = "False"
        if conformance is None:
            meta[f"{{{PDFXID}}}GTS_PDFXVersion"] = version
        else:
            meta[f"{{{PDFX}}}GTS_PDFXVersion"] = version
            meta[f"{{{PDFX}}}GTS_PDFXConformance"] = conformance
