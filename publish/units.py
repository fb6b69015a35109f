"""Units of length, defined once: a leaf module that imports nothing."""

#: Millimetres per inch.
MM_PER_INCH = 25.4
#: PDF points (1/72 inch) per millimetre.
PT_PER_MM = 72 / MM_PER_INCH
#: PDF points per CSS pixel (1/96 inch): WeasyPrint lays out in CSS pixels.
PT_PER_PX = 72 / 96
