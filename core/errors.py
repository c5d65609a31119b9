"""Exception types that user-facing commands turn into exit codes."""


class SyngraspError(Exception):
    """Base class for errors that carry a user-facing message."""


class ConfigError(SyngraspError, ValueError):
    """A config key is unknown, missing or out of range.

    Attributes:
        key: dotted path of the offending key, e.g. ``"grasp.top_k"``.
    """

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"config key '{key}': {message}")


class AssetError(SyngraspError):
    """An asset file is missing or unusable; the message names the file and the fix."""


class DatasetError(SyngraspError):
    """A dataset file (someone else's, or damaged) is malformed or asks for something refused; the message
    names the file and the fix."""
