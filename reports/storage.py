"""Report files: where they live under the report storage folder, and writing them atomically.

A report is written to a temporary file in its own folder, flushed to disk, then renamed over
its final name (``os.replace`` is atomic on one file system): a reader or a crash never sees a
half-written PDF, and a re-run simply writes it again.
"""

import hashlib
import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".partial-"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_relpath(period: str, unit_code: str, language: str, snapshot_sha256: str) -> str:
    """Named by its inputs: the same snapshot always lands on the same file."""
    safe_code = "".join(c if c.isalnum() or c in "-_" else "_" for c in unit_code)
    return f"{period}/{safe_code}-{period}-{language}-{snapshot_sha256[:16]}.pdf"


def resolve(storage: Path, relpath: str) -> Path:
    """The file's absolute path; a path escaping the storage folder is refused."""
    root = storage.resolve()
    path = (root / relpath).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"report path outside the storage folder: {relpath!r}")
    return path


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def remove_leftovers(storage: Path) -> int:
    """Delete temporary files a killed worker left behind; they are never reports."""
    if not storage.exists():
        return 0
    count = 0
    for leftover in storage.rglob(f"{TEMP_PREFIX}*"):
        leftover.unlink(missing_ok=True)
        count += 1
    return count
