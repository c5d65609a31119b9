"""Dataset destinations behind fsspec: a local folder, ``s3://``, ``gs://`` or ``file://``.

Credentials come only from the environment (the standard AWS_* / GOOGLE_*
variables read by s3fs/gcsfs); ``AWS_ENDPOINT_URL`` selects an S3-compatible
endpoint. A URL with credentials in it (``s3://KEY:SECRET@bucket/...``) is refused
(``refuse_credentials``) before it is used, printed or turned into a path. Nothing here logs or
stores a credential: URLs are printed without user info or query strings, and manifests hold
only paths, sizes and checksums.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from urllib.parse import urlsplit

import fsspec

from ..core.errors import ConfigError, SyngraspError
from .retry import with_retries


class ChecksumMismatch(SyngraspError, OSError):
    """An uploaded object's sha256 differs from the local file's (the object was removed again);
    exit 1: run the same command again, which uploads it anew."""

    exit_code = 1


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


_CREDS_RE = re.compile(r"^[^/@:]+:[^@]*@")  # KEY:SECRET@ (an AWS secret may hold "/")


def _has_credentials(url: str) -> bool:
    if "://" not in url:
        return False
    rest = url.split("://", 1)[1]
    return "@" in rest.split("/", 1)[0] or bool(_CREDS_RE.match(rest))


def refuse_credentials(url: str, key: str = "--out") -> None:
    """Raise ConfigError when ``url`` carries user info (``KEY:SECRET@``); the message never repeats it."""
    if _has_credentials(url):
        raise ConfigError(key, f"{safe_url(url)}: credentials written into the URL (user:secret@) are refused: "
                               "they would show in logs and process lists. Remove them and pass credentials through "
                               "the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with "
                               "~/.aws/credentials, or an instance profile; GOOGLE_APPLICATION_CREDENTIALS for gs://)")


def filesystem(url: str, key: str = "--out"):
    """(fsspec filesystem, root path without protocol) for ``url``; ``key`` names the argument in errors."""
    refuse_credentials(url, key)
    parts = urlsplit(url)
    proto = parts.scheme or "file"
    kwargs = {}
    if proto == "s3":
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            kwargs["client_kwargs"] = {"endpoint_url": endpoint}
    try:
        fs = fsspec.filesystem(proto, **kwargs)
    except (ImportError, ValueError) as e:
        raise ConfigError("--out", f"no filesystem for '{proto}://' ({e}); pip install s3fs or gcsfs") from e
    root = url.split("://", 1)[1] if "://" in url else url
    return fs, root.rstrip("/")


def safe_url(url: str) -> str:
    """``url`` without user info, query string or fragment, for logs (with credentials in it, everything up
    to its last ``@`` is dropped, so a secret holding ``/`` or ``@`` never shows)."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    if _has_credentials(url):
        rest = "<credentials removed>@" + rest.rsplit("@", 1)[1]
    return f"{scheme}://{rest}".split("?", 1)[0].split("#", 1)[0]


def sha256_remote(fs, path: str) -> str:
    """sha256 of a remote object, read back in 1 MiB blocks (retried on transient errors)."""

    def read() -> str:
        h = hashlib.sha256()
        with fs.open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    return with_retries(read, what=f"reading {path}")


def _is_s3(fs) -> bool:
    proto = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return proto in ("s3", "s3a") and hasattr(fs, "call_s3")


def stored_sha256(fs, path: str) -> str | None:
    """The sha256 (hex) the store computed for ``path`` on upload, when it keeps one (S3 with
    ``ChecksumAlgorithm=SHA256``, single-part objects); None when it does not offer one."""
    if not _is_s3(fs):
        return None
    bucket, key, _ = fs.split_path(path)
    head = with_retries(lambda: fs.call_s3("head_object", Bucket=bucket, Key=key, ChecksumMode="ENABLED"),
                        what=f"checksum of {path}")
    value = head.get("ChecksumSHA256")
    if not value or "-" in value:  # absent, or a multipart checksum of checksums
        return None
    return base64.b64decode(value).hex()


def upload_verified(fs, local: str, remote: str, sha256: str) -> str:
    """Upload ``local`` to ``remote`` and verify it: by the checksum the store computed on receipt
    where it offers one, else by reading it back. Transient errors are retried with backoff; a
    mismatch removes the object and raises ChecksumMismatch. Returns how it was verified (``store`` or ``readback``)."""
    extra = {"ChecksumAlgorithm": "SHA256"} if _is_s3(fs) else {}
    with_retries(lambda: fs.put_file(local, remote, **extra), what=f"uploading {os.path.basename(local)}")
    got = stored_sha256(fs, remote)
    how = "store"
    if got is None:
        got, how = sha256_remote(fs, remote), "readback"
    if got != sha256:
        fs.rm_file(remote)
        raise ChecksumMismatch(f"checksum mismatch after uploading {os.path.basename(local)} to {remote}: {got} != "
                               f"{sha256}; the object was removed: run the same command again to upload it anew")
    return how
