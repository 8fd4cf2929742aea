import io
import json

import pytest

from videobert.utils.jsonstream import JSONStreamError, iter_object


def test_entries_and_their_byte_spans_at_every_chunk_size():
    data = {"a": {"text": ["crème brûlée", "日本"], "start": [0.5, 12345.25], "end": [1, 2]}, "b": 7,
            "c": [1.5, 2.25e3], "d": "x"}
    raw = ("\ufeff" + json.dumps(data, indent=1, ensure_ascii=False)).encode("utf-8")
    for chunk in (1, 2, 3, 7, 64, 1 << 20):  # numbers, keys and multi-byte characters cut everywhere
        got = list(iter_object(io.BytesIO(raw), "x.json", chunk))
        assert [(k, v) for k, v, _, _ in got] == list(data.items())
        for key, value, start, length in got:  # each span is exactly the value's JSON
            assert json.loads(raw[start:start + length].decode("utf-8")) == value


@pytest.mark.parametrize("raw, match", [
    (b'{"a": 1, "b": [1, 2', "x.json: JSON ends early"),
    (b'{"a": 1,', "x.json: JSON ends early"),
    (b'{"a": 1 "b": 2}', "expected ',' or '}' at byte 8"),
    (b'[1]', "expected a JSON object"),
    (b'{"a": \xff}', "not UTF-8"),
])
def test_errors_name_the_file(raw, match):
    with pytest.raises(JSONStreamError, match=match):
        list(iter_object(io.BytesIO(raw), "x.json", 4))
