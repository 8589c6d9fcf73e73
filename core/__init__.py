"""The studio's library: models, training loops, device selection, data and retrieval.

Nothing in this package imports streamlit; every module can be used from a notebook,
a command line or a test as well as from the pages.
"""
