"""The ``syngrasp`` commands, one module per group; ``app.cli.build_parser`` asks each for its parsers.

Each module has ``add_parsers(sub)``, which adds its commands to the ``argparse`` sub-parsers
``sub`` and sets ``func`` (the command's body: ``func(args) -> exit code``) on each:

- ``generate``: ``generate``
- ``dataset``: ``export``, ``validate``, ``stats``, ``convert``, ``finalize`` (a dataset folder as a whole)
- ``replay``: ``replay``, ``crosscheck`` (recorded episodes executed again)
- ``robots``: ``robots``, ``robots check``, ``robots add``
- ``config``: ``config show``
- ``assets``: ``assets build``, ``inspect``, ``preview``, ``export-procedural``
- ``review``: ``preview``, ``report``, ``export-usd``
- ``evaluate``: ``evaluate``

Command bodies import what they use when they run, so building the parser stays cheap.
"""
