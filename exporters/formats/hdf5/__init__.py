"""The HDF5 format (robomimic layout): the shard writer (``writer``), its readers (``reader``), its config
section (``config``) and its plugin declaration (``plugin.FORMAT``)."""
