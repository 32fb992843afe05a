"""The deframer: whatever bytes come first, however the stream is cut into reads, a well-framed message
after them is read, and a request inside badly framed bytes is found so it can be answered."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmsight.lsp.framing import MAX_HEADERS, Deframer, Message, Skipped

REQUEST = {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover",
           "params": {"textDocument": {"uri": "file:///a.py"}, "position": {"line": 0, "character": 0}}}
BODY = json.dumps(REQUEST).encode()
FINAL = {"jsonrpc": "2.0", "id": "final", "method": "shutdown"}


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read(stream: bytes, cut: int | None = None, max_message: int = 1 << 20) -> list[Message | Skipped]:
    deframer = Deframer(max_message)
    cut = cut or len(stream) or 1
    events = [e for i in range(0, len(stream), cut) for e in deframer.feed(stream[i:i + cut])]
    return events + deframer.finish()


BAD = {
    "short": b"Content-Length: %d\r\n\r\n" % (len(BODY) - 7) + BODY,
    "long": b"Content-Length: %d\r\n\r\n" % (len(BODY) + 40) + BODY,
    "non-numeric": b"Content-Length: twelve\r\n\r\n" + BODY,
    "negative": b"Content-Length: -%d\r\n\r\n" % len(BODY) + BODY,
    "missing": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + BODY,
    "over the limit": b"Content-Length: 1000000000000\r\n\r\n" + BODY,
    "two lengths": b"Content-Length: %d\r\nContent-Length: 3\r\n\r\n" % len(BODY) + BODY,
    "no blank line": b"Content-Length: %d\r\n" % len(BODY) + BODY,
}


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("cut", [None, 1, 7, 64])
def test_a_badly_framed_request_is_found_and_the_next_message_read(kind, cut):
    events = read(BAD[kind] + frame(json.dumps(FINAL).encode()), cut)
    assert [e.value for e in events if isinstance(e, Message)] == [FINAL]
    assert [e.found for e in events if isinstance(e, Skipped) and e.found] == [REQUEST], events


@pytest.mark.parametrize("header", [b"Content-Length: %d\n\n", b"content-length:%d\r\n\r\n",
                                    b"Content-Type: application/vscode-jsonrpc\r\nContent-Length: %d\r\n\r\n",
                                    b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n"])
def test_lenient_but_unambiguous_headers_are_read(header):
    assert read(header % len(BODY) + BODY) == [Message(REQUEST)]


def test_a_body_that_is_not_json_is_skipped_without_a_request():
    events = read(frame(b"{this is not json") + frame(BODY))
    assert events[0].found is None and "not JSON" in events[0].reason
    assert events[1:] == [Message(REQUEST)]


def test_a_request_without_any_header_is_found_before_the_next_message_arrives():
    deframer = Deframer()
    assert [e.found for e in deframer.feed(BODY)] == [REQUEST]


def test_junk_is_bounded_and_a_header_line_that_never_ends_is_given_up():
    junk = b"content-length: 1" + b"x" * (4 * MAX_HEADERS)
    deframer = Deframer(max_message=2 * MAX_HEADERS)
    events = deframer.feed(junk)
    assert len(deframer._buf) <= 2 * MAX_HEADERS and all(isinstance(e, Skipped) for e in events)
    assert deframer.feed(frame(BODY))[-1] == Message(REQUEST)


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.sampled_from([b"Content-Length: ", b"content-length:", b"Content-Type: x", b"X-A: b", b"\r\n",
                                 b"\n", b"\r", b"12", b"-3", b"99999999999999", b"{", b"}", b'"', b":", b" ",
                                 b"\x00", b"\xff", BODY, json.dumps(FINAL).encode()]) | st.binary(max_size=8),
                max_size=20).map(b"".join),
       st.integers(1, 40))
def test_after_any_bytes_a_well_framed_message_is_read(junk, cut):
    """No prefix can swallow the next well-framed message: a raw `Content-Length: N` line never fits
    inside JSON, so it always ends what came before."""
    events = read(junk + frame(json.dumps(FINAL).encode()), cut)
    assert isinstance(events[-1], Message) and events[-1].value == FINAL, events
