"""The entries of a top-level JSON object, read as a stream (HowTo100M's multi-GB ``raw_caption.json``).

`iter_object(f, name)` yields ``(key, value, byte_offset, byte_length)`` for each entry of the
object in the binary file `f`: memory holds one value at a time, never the file, and the byte span
of each value lets a reader seek straight back to it later (`videobert.ingest.captions_json`
keeps an index of them; `videobert.fetch` keeps the values of the ids it fetches). Errors are
`JSONStreamError` naming `name` and the byte offset.
"""
from __future__ import annotations

import codecs
import json
from typing import IO, Any, Iterator

CHUNK = 8 << 20  # bytes read at a time


class JSONStreamError(ValueError):
    pass


def iter_object(f: IO[bytes], name: str, chunk: int = CHUNK) -> Iterator[tuple[str, Any, int, int]]:
    """(key, value, byte offset of the value, its length in bytes) of each entry of the JSON object
    that is the whole of `f` (UTF-8, a byte-order mark allowed)."""
    dec = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    buf, pos, byte, eof = "", 0, 0, False  # text read so far (unconsumed from pos on); byte offset of buf[pos]

    def advance(to: int) -> None:
        nonlocal pos, byte
        byte += len(buf[pos:to].encode("utf-8"))
        pos = to

    def fill() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        data = f.read(chunk)
        eof = not data
        try:
            buf = buf[pos:] + utf8.decode(data, final=eof)
        except UnicodeDecodeError as e:
            raise JSONStreamError(f"{name}: not UTF-8 near byte {byte}: {e.reason}") from None
        pos = 0
        return True

    def skip_ws() -> str:
        """The next non-blank character ("" at the end of the file)."""
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n":
                advance(pos + 1)
            if pos < len(buf) or not fill():
                return buf[pos] if pos < len(buf) else ""

    def decode() -> tuple[Any, int]:
        """The JSON value at pos and where it ends (read further while the buffer's end cuts it)."""
        while True:
            try:
                value, end = dec.raw_decode(buf, pos)
                if end < len(buf) or not fill():  # a number at the buffer's end may go on in the next chunk
                    return value, end
            except json.JSONDecodeError as e:
                # an error well before the buffer's end is in the file, not a value cut by the buffer
                if e.pos < len(buf) - (1 << 16) or not fill():
                    early = "JSON ends early or is invalid (a truncated download?): " if eof else ""
                    raise JSONStreamError(f"{name}: {early}invalid JSON at byte {byte}: {e.msg}") from None

    while not buf and fill():  # a read may end inside the first character
        pass
    if buf[:1] == "\ufeff":
        advance(1)
    if skip_ws() != "{":
        raise JSONStreamError(f"{name}: expected a JSON object of video ids "
                              '({"VIDEO_ID": {"text": [...], "start": [...], "end": [...]}})')
    advance(pos + 1)
    if skip_ws() == "}":
        return
    while True:
        if skip_ws() != '"':
            if pos >= len(buf):
                raise JSONStreamError(f"{name}: JSON ends early at byte {byte} (a truncated download?)")
            raise JSONStreamError(f"{name}: expected a video id (a string) at byte {byte}")
        key, end = decode()
        advance(end)
        if skip_ws() != ":":
            raise JSONStreamError(f"{name}: expected ':' after {key!r} at byte {byte}")
        advance(pos + 1)
        skip_ws()
        start = byte
        value, end = decode()
        advance(end)
        yield key, value, start, byte - start
        c = skip_ws()
        if c == "}":
            return
        if c != ",":
            if not c:
                raise JSONStreamError(f"{name}: JSON ends early at byte {byte} (a truncated download?)")
            raise JSONStreamError(f"{name}: expected ',' or '}}' at byte {byte}")
        advance(pos + 1)
