"""The print edition: the model → HTML for print → WeasyPrint → PDF → prepress.

- geometry.py: the page's grid; html.py: the HTML and stylesheets for print (with
  printlinks.py, the pages after links, and pagination.py, where pages begin);
- engine.py: WeasyPrint lays the HTML out and writes the PDF;
- diagnostics.py: what the layout found wrong, as warnings;
- edition.py: the one entry (`print_edition`), one document or segments;
- segmented/: a long book laid out in pieces, in parallel, and joined.
"""
