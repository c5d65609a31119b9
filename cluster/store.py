"""Dataset destinations behind fsspec: a local folder, ``s3://``, ``gs://`` or ``file://``.

Credentials come only from the environment (the standard AWS_* / GOOGLE_*
variables read by s3fs/gcsfs); ``AWS_ENDPOINT_URL`` selects an S3-compatible
endpoint. Nothing here logs or stores a credential: URLs are printed without
query strings, and manifests hold only paths, sizes and checksums.
"""

from __future__ import annotations

import hashlib
import os
from urllib.parse import urlsplit

import fsspec

from ..core.errors import ConfigError


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


def filesystem(url: str):
    """(fsspec filesystem, root path without protocol) for ``url``."""
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
    """``url`` without user info or query string, for logs."""
    p = urlsplit(url)
    host = p.hostname or ""
    return f"{p.scheme}://{host}{p.path}" if p.scheme else url


def sha256_remote(fs, path: str) -> str:
    h = hashlib.sha256()
    with fs.open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def upload_verified(fs, local: str, remote: str, sha256: str) -> None:
    """Upload ``local`` to ``remote`` and read it back; raise IOError when the checksum differs."""
    fs.put_file(local, remote)
    got = sha256_remote(fs, remote)
    if got != sha256:
        fs.rm_file(remote)
        raise IOError(f"checksum mismatch after uploading {os.path.basename(local)}: {got} != {sha256}")
