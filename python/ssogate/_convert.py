"""Argument conversion shared by the public functions (Python types -> what the extension takes)."""

from __future__ import annotations

import datetime as _dt
from typing import Optional, Union

from ._codes import Code
from ._errors import InvalidArgument

BytesLike = Union[bytes, bytearray, memoryview]
Timestamp = Union[int, _dt.datetime]


def to_bytes(value: Union[str, BytesLike], what: str) -> bytes:
    # str is encoded as UTF-8; pass bytes to keep a document exactly as uploaded (its XML declaration
    # may name another encoding).
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes or str, got {type(value).__name__}")


def to_unix(now: Optional[Timestamp]) -> Optional[int]:
    """``None`` (the system clock), Unix seconds, or a timezone-aware datetime -> Unix seconds."""
    if now is None:
        return None
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None:
            raise InvalidArgument(
                Code.INVALID_ARGUMENT, "now: a naive datetime is ambiguous; give it a tzinfo (e.g. timezone.utc)"
            )
        return int(now.timestamp())
    if isinstance(now, bool) or not isinstance(now, int):
        raise TypeError(f"now must be int (Unix seconds) or datetime, got {type(now).__name__}")
    # The C ABI reads 0 as "use the system clock"; a caller who writes a number means that instant.
    if now <= 0:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"now must be a positive Unix time, got {now}")
    return now


def to_max_bytes(max_bytes: Optional[int]) -> Optional[int]:
    if max_bytes is None:
        return None
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
        raise TypeError(f"max_bytes must be int, got {type(max_bytes).__name__}")
    if max_bytes <= 0:
        raise InvalidArgument(Code.INVALID_ARGUMENT, f"max_bytes must be positive, got {max_bytes}")
    return max_bytes


def to_datetime(unix: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(unix, tz=_dt.timezone.utc)
