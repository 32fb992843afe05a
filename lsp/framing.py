"""JSON-RPC messages out of the editor's byte stream, whatever arrives on it.

LSP frames a message as headers (`Content-Length: N`, maybe `Content-Type`), a blank line and N bytes
of JSON. pygls' reader trusts the header: after one wrong length it read the rest of the stream as a
single endless message and never answered again, and `Content-Length: 10^12` made it allocate a
terabyte. Here a frame is taken only when it is whole, sane and JSON; anything else is skipped up to
the next `Content-Length:` header. A JSON body can never hold such a header raw (outside strings it is
not JSON, inside them a raw line break is not allowed), so a header inside a body's declared length
means that length was wrong, and every well-formed message after a bad one is read. A request found
in skipped bytes is handed on so it can be answered with an error instead of waiting forever.
Reasons name sizes and positions, never the bytes themselves (they may hold anything, a key too).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE = 64 * 1024 * 1024   # bytes of one message, and of junk kept while looking for a header
MAX_HEADERS = 8 * 1024           # bytes of one header block
MAX_LENGTH_LINE = 80             # bytes of its Content-Length line: junk that mentions the name fails fast
SALVAGE_EARLY = 1024 * 1024      # junk tried as a whole request before the next header arrives

_NAME = re.compile(rb"content-length", re.IGNORECASE)
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*")
_RAW_HEADER = re.compile(rb"content-length[ \t]{0,16}:[ \t]{0,16}[0-9]{1,20}[ \t]{0,16}\r?\n", re.IGNORECASE)
_RAW_HEADER_SPAN = 100           # longest match of _RAW_HEADER: how far a search must step back over a cut
_BLANK_LINE = re.compile(rb"\n\r?\n")


@dataclass(frozen=True)
class Message:
    value: Any                   # the parsed JSON body (any JSON value; the protocol checks its shape)


@dataclass(frozen=True)
class Skipped:
    """Bytes that were not a well-framed JSON message."""

    reason: str
    size: int
    found: dict | None = None    # a JSON object inside them: a request to answer with an error


class Deframer:
    """Feed it bytes as they arrive; it returns the messages and skips they complete."""

    def __init__(self, max_message: int = MAX_MESSAGE):
        self._max = max_message
        self._buf = bytearray()
        self._body: int | None = None     # declared length of the body being read; None while reading headers
        self._searched = 0                # bytes of _buf already searched (for a header name, or a raw header)
        self._why = ""                    # why the bytes at the start of _buf are being skipped

    def feed(self, data: bytes) -> list[Message | Skipped]:
        self._buf += data
        events: list[Message | Skipped] = []
        while self._read_body(events) if self._body is not None else self._read_headers(events):
            pass
        return events

    def finish(self) -> list[Skipped]:
        """The stream ended: what is left is skipped (a request in it can still be answered)."""
        events: list[Message | Skipped] = []
        if self._buf.strip():
            self._skip(len(self._buf), self._why or "the stream ended inside a message", events)
        self._buf.clear()
        return events

    # ---- headers ----------------------------------------------------------------------------------

    def _read_headers(self, events: list) -> bool:
        if self._searched > self._max:   # junk that keeps mentioning the header name: drop what was searched
            self._skip(self._searched, self._why or "no usable Content-Length header", events)
        name = _NAME.search(self._buf, self._searched)
        if name is None:
            self._searched = max(len(self._buf) - len(b"content-length") + 1, 0)
            if len(self._buf) > self._max:
                self._skip(self._searched, "no Content-Length header", events)
            elif len(self._buf) <= SALVAGE_EARLY and _found_object(self._buf) is not None:
                self._skip(len(self._buf), self._why or "no Content-Length header", events)
            return False
        start = name.start()
        block = self._header_block(start)
        if block is None:
            return False                  # the block's blank line has not arrived yet
        end, length = block
        if isinstance(length, str):       # unusable: look for the next header after this one
            self._why = self._why or length
            self._searched = start + 1
            return True
        if start:
            self._skip(start, self._why or "bytes without a Content-Length header", events)
        del self._buf[:end - start]
        self._body, self._searched, self._why = length, 0, ""
        return True

    def _header_block(self, start: int) -> tuple[int, int | str] | None:
        """(end, body length) of the header block at `start`, or (end, why it is unusable); None while
        it is incomplete. Header lines end in \\r\\n, or \\n from lenient clients."""
        pos, length = start, None
        while True:
            limit = start + (MAX_HEADERS if length is not None else MAX_LENGTH_LINE)
            eol = self._buf.find(b"\n", pos, limit)
            if eol < 0:
                if len(self._buf) >= limit:
                    return limit, "a header line that does not end"
                return None
            line = bytes(self._buf[pos:eol]).removesuffix(b"\r")
            pos = eol + 1
            if not line:
                return pos, length if length is not None else "no Content-Length header"
            header = _HEADER_LINE.fullmatch(line)
            if header is None or _NAME.search(line, 1) or (length is not None and _NAME.match(line)):
                return pos, "a line among the headers that is not a header"
            if length is None:            # the block starts at its Content-Length header
                value = header.group(2)
                if not value.isdigit() or len(value) > 20:
                    return pos, "a Content-Length that is not a byte count"
                length = int(value)
                if length > self._max:
                    return pos, f"Content-Length {length} is over the {self._max // 2 ** 20} MB limit"

    # ---- body -------------------------------------------------------------------------------------

    def _read_body(self, events: list) -> bool:
        length = self._body
        header = _RAW_HEADER.search(self._buf, max(self._searched - _RAW_HEADER_SPAN, 0), length + _RAW_HEADER_SPAN)
        if header is not None and header.start() < length:
            self._body, self._searched = None, 0
            self._skip(header.start(), f"Content-Length said {length} bytes but the next message began after "
                                       f"{header.start()}", events)
            return True
        if len(self._buf) < length:
            self._searched = len(self._buf)
            return False
        self._body, self._searched = None, 0
        try:
            value = json.loads(bytes(self._buf[:length]))
        except (ValueError, RecursionError) as exc:
            # perhaps the length was short: skip from the body's start, so its end is found too
            self._why = f"a message that is not JSON ({type(exc).__name__}: {str(exc)[:80]})"
            return True
        del self._buf[:length]
        events.append(Message(value))
        return True

    # ---- skipping ---------------------------------------------------------------------------------

    def _skip(self, size: int, reason: str, events: list) -> None:
        """Drop the first `size` bytes: silently when they are only header lines (a Content-Type
        before the Content-Length) or blank, else as one Skipped event with any request inside."""
        skipped = bytes(self._buf[:size])
        del self._buf[:size]
        self._searched = max(self._searched - size, 0)
        self._why = ""
        if all(not line.strip() or _HEADER_LINE.fullmatch(line.removesuffix(b"\r")) and not _NAME.match(line)
               for line in skipped.split(b"\n")[:-1]) and not skipped.rsplit(b"\n", 1)[-1].strip():
            return
        events.append(Skipped(reason, size, _found_object(skipped)))


def _found_object(skipped: bytes) -> dict | None:
    """The JSON object after the last header block in `skipped`, if it is one whole object."""
    blank = None
    for blank in _BLANK_LINE.finditer(skipped):
        pass
    body = skipped[blank.end():] if blank else skipped
    brace = body.find(b"{")
    return _complete_object(body[brace:]) if brace >= 0 else None


def _complete_object(data: bytes | bytearray) -> dict | None:
    if not data.rstrip().endswith(b"}"):
        return None
    try:
        value = json.loads(bytes(data))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
