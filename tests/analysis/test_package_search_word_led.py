"""The package text index's searches without a regex per name give what the regex gives."""
import random
import re
import zlib

from llmsight.analysis.model_resolution import _searchers, _written_at

NAMES = [b"f", b"run", b"get_x", b"_a1"]
PIECES = [b"f", b"run", b"get_x", b"_a1", b"(", b",", b")", b" ", b"\n", b"\t", b"a", b"_", b"9", b".", b"=",
          b" as ", b" if ", b"#", b"\xc3\xa9"]


def _texts(seed: int, count: int):
    rnd = random.Random(seed)
    for _ in range(count):
        yield b"".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 12)))


def test_word_led_searches_find_what_the_regex_finds():
    tails = [rb"\s*\(", rb"\s*[,)]", rb"\s*\(|\(", rb"(?=\()", rb"[ \t]*=(?!=)", rb"$", rb"\b", rb""]
    for name in NAMES:
        for tail in tails:
            pattern = rb"\b" + name + tail
            searchers, regex = _searchers(name, pattern), re.compile(pattern)
            for text in _texts(zlib.crc32(pattern), 400):
                assert any(s.search(text) for s in searchers) == bool(regex.search(text)), (pattern, text)


def test_alias_search_finds_what_finditer_finds():
    for name in NAMES:
        regex = re.compile(name + rb"(?:[ \t]+as[ \t]+(\w+)|(?=[ \t]+if[ \t])|[ \t]*(?:#[^\n]*)?$)", re.M)
        for text in _texts(len(name), 1500):
            expected = [(m.start(), m.end(), m.group(1)) for m in regex.finditer(text)]
            assert [(i, m.end(), m.group(1)) for i, m in _written_at(text, name)] == expected, (name, text)
