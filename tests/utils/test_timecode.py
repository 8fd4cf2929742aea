import pytest

from videobert.utils.timecode import parse_timestamp, vtt_timestamp


@pytest.mark.parametrize("t", [0.0, 0.001, 59.999, 61.5, 3599.999, 3600.04, 36000.0, 123456.789])
def test_formatted_times_parse_back_to_the_millisecond(t):
    assert parse_timestamp(vtt_timestamp(t)) == pytest.approx(round(t, 3), abs=1e-9)


def test_formats():
    assert vtt_timestamp(62.5) == "00:01:02.500"
    assert vtt_timestamp(3600.0004) == "01:00:00.000"
    assert vtt_timestamp(-0.2) == "00:00:00.000"  # a cue shifted before the start is clamped
