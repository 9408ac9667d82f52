import pytest

from nlp.normalise import data_provided, frequency, sensitivity


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Identifiable", "identifiable"),
        ("Pseudonymised", "pseudonymised"),
        ("Pseudonymised or Identifiable, in line with CAG approval", "identifiable"),
        ("Weakly Pseudonymised or Identifiable, in line with CAG approval", "identifiable"),
        ("Anonymised or Pseudonymised", "pseudonymised"),
        ("Aggregated-Anonymised", "aggregated"),
        ("Aggregated but containing small numbers", "aggregated_small_numbers"),
        ("Anonymised - ICO code compliant", "anonymised"),
        ("Non-identifiable", None),
        ("data is not identifiable", None),
        ("Pseudonymised - not identifiable", "pseudonymised"),
        ("De-personalised", "pseudonymised"),
        ("De-identified", "pseudonymised"),
        ("Anonymous", "anonymised"),
        ("Aggregate", "aggregated"),
        ("", None),
        (None, None),
    ],
)
def test_data_provided(text, expected):
    assert data_provided(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Non-Sensitive", "non_sensitive"),
        ("Non-sensitive", "non_sensitive"),
        ("Non Sensitive, and Non-Sensitive", "non_sensitive"),
        ("Sensitive", "sensitive"),
        ("Sensitive, and Non-Sensitive", "sensitive"),
        ("Not sensitive", "non_sensitive"),
        ("unknown", None),
        (None, None),
    ],
)
def test_sensitivity(text, expected):
    assert sensitivity(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("One off", "one_off"),
        ("One-Off", "one_off"),
        ("Ongoing", "ongoing"),
        ("On-going", "ongoing"),
        ("On going", "ongoing"),
        ("On Going", "ongoing"),
        ("System Access", "ongoing"),
        ("Ongoing, One-Off", "ongoing"),
        ("", None),
    ],
)
def test_frequency(text, expected):
    assert frequency(text) == expected
