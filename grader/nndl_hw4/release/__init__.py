"""Building the student release (assignment/) from the reference (solutions/).

regions.py finds the YOUR CODE HERE regions, stubs.py turns a module into a
stub, config.py reads release.toml, producers.py yields the release's files,
builder.py writes or checks assignment/, and cli.py is ``nndl-hw4 build``.
"""
