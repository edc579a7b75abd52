"""Attachment rules: file names are sanitized, content types sniffed from the bytes, executables refused."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import filetype

SNIFF_BYTES = 8192
MAX_FILENAME_BYTES = 200
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]')

# Signatures filetype does not know, checked first: executables and scripts in disguise.
_EXTRA_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"#!", "text/x-shellscript"),
)


def sanitize_filename(name: str | None) -> str:
    """A file name safe to store and to echo in Content-Disposition: no path, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "attachment"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:16]
    while len((stem + ("." + ext if ext else "")).encode()) > MAX_FILENAME_BYTES and stem:
        stem = stem[:-1]
    return (stem or "attachment") + ("." + ext if ext else "")


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def sniff(head: bytes) -> str:
    """The content type the bytes say they are; never what the client claimed."""
    for signature, mime in _EXTRA_SIGNATURES:
        if head.startswith(signature):
            return mime
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if not head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed window is still text.
        if exc.start < len(head) - 4:
            return "application/octet-stream"
    return "text/plain"


def refusal(
    filename: str, content_type: str, denied_extensions: Iterable[str], denied_types: Iterable[str]
) -> str | None:
    """Why this file is refused by the deny-list, or None when it is accepted."""
    if content_type in set(denied_types):
        return f"files of type {content_type} are not accepted"
    if extension(filename) in {e.lower().lstrip(".") for e in denied_extensions}:
        return f"files ending in .{extension(filename)} are not accepted"
    return None


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    from urllib.parse import quote

    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "attachment"
    ascii_name = ascii_name.replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
