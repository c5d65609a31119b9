"""Exception types that user-facing commands turn into exit codes."""


class SyngraspError(Exception):
    """Base class for errors that carry a user-facing message.

    ``exit_code``: what ``syngrasp`` exits with: 2 for bad input (the default), 1 for a run that failed.
    Instances pickle as themselves (with their attributes and notes), so an error raised in a
    worker process reaches the user unchanged instead of breaking the pool.
    """

    exit_code = 2

    def __reduce__(self):
        return self.__class__, self.args, self.__dict__ or None


class ConfigError(SyngraspError, ValueError):
    """A config key is unknown, missing or out of range.

    Attributes:
        key: dotted path of the offending key, e.g. ``"grasp.top_k"``.
    """

    def __init__(self, key: str, message: str):
        self.key = key
        self.detail = message
        super().__init__(f"config key '{key}': {message}")

    def __reduce__(self):
        return self.__class__, (self.key, self.detail), self.__dict__


class AssetError(SyngraspError):
    """An asset file is missing or unusable; the message names the file and the fix."""


class DatasetError(SyngraspError):
    """A dataset file (someone else's, or damaged) is malformed or asks for something refused; the message
    names the file and the fix."""


class PluginError(SyngraspError):
    """A plugin (an output format found through an entry point, or registered in code) is broken: it
    fails to import, is not what its entry point promises, or reuses a taken name; the message names
    the plugin, its distribution and the fix."""


class SchemaError(SyngraspError, ValueError):
    """An episode differs from the declared episode schema (core/schema): a key is undeclared, missing,
    or of the wrong dtype, shape or type. Raised before anything is written.

    Attributes:
        key: the offending frame key, meta key or ``cameras.<cam>[.<entry>]``.
    """

    def __init__(self, key: str, message: str):
        self.key = key
        self.detail = message
        super().__init__(f"episode key '{key}': {message}")

    def __reduce__(self):
        return self.__class__, (self.key, self.detail), self.__dict__
