"""The ``citebot`` command line: a thin adapter from arguments to the ``index`` library."""
