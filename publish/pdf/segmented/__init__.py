"""A long book laid out in segments: plan.py cuts it, piece.py lays out one segment (and
caches it), runner.py runs them in parallel, layout.py (`SegmentedLayout`) lays out until
the numbers after links settle, then join.py joins the pieces, folios.py stamps the folios
and placeholders.py writes in the numbers linkpages.py decided."""
