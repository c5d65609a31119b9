"""The HDF5 format (robomimic layout): its plugin declaration (``plugin.FORMAT``) and config section.

The writer and reader live in ``exporters/hdf5.py`` for now; ``plugin`` imports them from there.
"""
