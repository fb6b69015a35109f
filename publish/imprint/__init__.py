"""The printing house's side of a book: Chinese formats and sheets, the copyright page's
computed figures (开本, 印张, 字数), signature padding, and the cover spread with its spine
and ISBN barcode. Read by the renderers; knows nothing of the model's chapters."""
