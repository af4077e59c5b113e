"""``nndl-hw4 similar``: which submissions share code that the starter did not give them.

Modules, in pipeline order: ``starter`` (what students were given),
``extract`` (each student's own code per function, starter subtracted),
``normalise`` (AST tokens that survive renaming, reordering and the rest),
``fingerprint`` (winnowed k-grams and statements), ``score`` (inverted index,
rarity weights, pair scores), ``digest`` and ``behaviour`` (identical rare
wrong outputs, from the grading records), ``run`` (one run end to end),
``report`` and ``html`` (similarity.csv, similarity.html), ``cli``.
Importing this package imports none of them: grading imports ``digest`` only.
"""
