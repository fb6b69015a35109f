"""Chinese typography: what turns the model's text into text a Chinese typesetter would set.

The shared pass over the model's XHTML (`prepare`, both editions) works on text nodes
(`textnodes`) with the character classes of `chars`; the print edition adds display lines
(`display`), 着重号 (`emphasis`) and the ruby layout (`ruby`); `housestyle` gives the EPUB
the CSS for the same house styles. The line adjustment itself lives with the PDF engine
(`publish/weasy/cjk.py`).
"""
