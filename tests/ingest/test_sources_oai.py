import pytest

from readnext.errors import ValidationError
from readnext.ingest.sources.oai import day


@pytest.mark.parametrize("value, end, whole", [
    ("2024-02", False, "2024-02-01"), ("2024-02", True, "2024-02-29"), ("2023-12", True, "2023-12-31"),
    (" 2024-03-05 ", False, "2024-03-05"),
])
def test_a_month_or_a_day_is_a_whole_date(value, end, whole):
    assert day(value, end) == whole


@pytest.mark.parametrize("bad", [["2024-01"], {"since": "2024-01"}, 2024, None, True, "2024-13", "2024-00",
                                 "2024-02-30", "9999-12", "last week", "2024-01" * 100_000])
def test_anything_else_is_a_validation_error_that_does_not_echo_it_whole(bad):
    with pytest.raises(ValidationError, match="not a date") as refused:
        day(bad, end=True)
    assert len(str(refused.value)) < 200
