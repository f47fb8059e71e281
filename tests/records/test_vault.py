"""The PHI vault: consistent, shaped, case-private surrogates, one date shift per case, and the way back."""

from __future__ import annotations

import datetime as dt
import random
import re
import signal
import string
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from records.dates import parse_date_text
from records.phi import PhiCategory
from records.vault import MAX_SHIFT_DAYS, MIN_SHIFT_DAYS, RESTRICTED_ZIP3, PhiVault, surrogate_pools


def vault(seed: int = 7) -> PhiVault:
    return PhiVault.new(random.Random(seed))


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the main thread if the block runs longer than ``seconds``."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Categories whose surrogate is a replacement (reversible), with a typical original.
REPLACED = [
    (PhiCategory.NAME, "Margaret Okonkwo"),
    (PhiCategory.MRN, "00482913"),
    (PhiCategory.SSN, "123-45-6789"),
    (PhiCategory.PHONE, "(617) 555-0143"),
    (PhiCategory.EMAIL, "margaret.okonkwo@gmail.com"),
    (PhiCategory.STREET_ADDRESS, "42 Willow Brook Road"),
    (PhiCategory.CITY, "Springfield"),
    (PhiCategory.FACILITY, "Lakeshore General Hospital"),
    (PhiCategory.HEALTH_PLAN_ID, "W2231-7781"),
    (PhiCategory.URL, "https://portal.lakeshore.org/p/88231"),
    (PhiCategory.IP_ADDRESS, "192.168.14.27"),
    (PhiCategory.VEHICLE_ID, "1HGCM82633A004352"),
    (PhiCategory.DEVICE_ID, "PM7734-221"),
]


class TestConsistencyWithinAVault:
    @pytest.mark.parametrize(("category", "original"), REPLACED, ids=[c.value for c, _ in REPLACED])
    def test_same_original_gets_the_same_surrogate(self, category: PhiCategory, original: str) -> None:
        case = vault()
        first = case.surrogate(category, original, random.Random(1))
        # A different random source must not matter once the value has a surrogate.
        assert case.surrogate(category, original, random.Random(2)) == first
        assert case.surrogate(category, original) == first

    def test_the_key_ignores_case_and_white_space(self) -> None:
        case = vault()
        surrogate = case.surrogate(PhiCategory.NAME, "Margaret Okonkwo", random.Random(1))
        for variant in ("margaret okonkwo", "  Margaret   Okonkwo ", "MARGARET\tOKONKWO"):
            assert case.surrogate(PhiCategory.NAME, variant, random.Random(9)).lower() == surrogate.lower()
        assert len(case.entries) == 1

    def test_the_same_text_in_two_categories_is_two_entries(self) -> None:
        case = vault()
        as_mrn = case.surrogate(PhiCategory.MRN, "4471-22", random.Random(1))
        as_account = case.surrogate(PhiCategory.ACCOUNT_NUMBER, "4471-22", random.Random(2))
        assert len(case.entries) == 2
        assert as_mrn != as_account

    def test_a_reused_surrogate_follows_the_case_of_the_occurrence(self) -> None:
        case = vault()
        mixed = case.surrogate(PhiCategory.NAME, "John Smith", random.Random(1))
        assert case.surrogate(PhiCategory.NAME, "JOHN SMITH") == mixed.upper()


class TestSurrogatesArePrivateToTheCase:
    @pytest.mark.parametrize(("category", "original"), REPLACED, ids=[c.value for c, _ in REPLACED])
    def test_two_vaults_give_different_surrogates(self, category: PhiCategory, original: str) -> None:
        first = vault(1).surrogate(category, original, random.Random(101))
        second = vault(2).surrogate(category, original, random.Random(202))
        assert first != second

    def test_two_vaults_shift_dates_differently(self) -> None:
        shifts = {vault(seed).date_shift_days for seed in range(20)}
        assert len(shifts) > 15


class TestSurrogateNeverEqualsTheOriginal:
    @given(
        category=st.sampled_from(list(PhiCategory)),
        original=st.text(alphabet=string.ascii_letters + string.digits + " -./@", min_size=0, max_size=24),
        seed=st.integers(0, 2**32),
    )
    def test_for_any_category_and_value(self, category: PhiCategory, original: str, seed: int) -> None:
        surrogate = vault(seed).surrogate(category, original, random.Random(seed))
        assert surrogate.lower() != original.lower()

    @pytest.mark.parametrize(
        ("first", "seed", "later", "leaked"),
        [
            ("Smith", 22761, "Anna Smith", "smith"),  # seed 22761 draws "Smith" from the pool twice
            ("J.", 60, "J. Okonkwo", "j."),  # initials get one draw from 26 letters, no retry at all
        ],
    )
    def test_a_name_token_never_maps_to_itself(self, first: str, seed: int, later: str, leaked: str) -> None:
        case = vault(0)
        case.surrogate(PhiCategory.NAME, first, random.Random(seed))
        surrogate = case.surrogate(PhiCategory.NAME, later, random.Random(5))
        assert leaked not in surrogate.lower().split()


class TestUniquenessPerCategory:
    NAME_WORD = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=9).map(str.capitalize)

    @settings(max_examples=40)
    @given(
        names=st.lists(
            st.lists(NAME_WORD, min_size=1, max_size=3).map(" ".join),
            min_size=2,
            max_size=40,
            unique_by=lambda name: " ".join(name.lower().split()),
        ),
        seed=st.integers(0, 2**32),
    )
    def test_distinct_names_get_distinct_surrogates(self, names: list[str], seed: int) -> None:
        case, rng = vault(seed), random.Random(seed)
        surrogates = [case.surrogate(PhiCategory.NAME, name, rng).lower() for name in names]
        assert len(set(surrogates)) == len(names)

    @given(
        mrns=st.lists(st.from_regex(r"\A\d{6,10}\Z"), min_size=2, max_size=60, unique=True),
        seed=st.integers(0, 2**32),
    )
    def test_distinct_record_numbers_get_distinct_surrogates(self, mrns: list[str], seed: int) -> None:
        case, rng = vault(seed), random.Random(seed)
        surrogates = [case.surrogate(PhiCategory.MRN, mrn, rng) for mrn in mrns]
        assert len(set(surrogates)) == len(mrns)
        # Same shape: digits for digits, same length.
        assert all(
            re.fullmatch(r"\d+", s) and len(s) == len(m) for s, m in zip(surrogates, mrns, strict=True)
        )

    def test_more_surnames_than_the_pool_holds_still_terminates(self) -> None:
        case, rng = vault(1), random.Random(3)
        words = sorted(
            {"Q" + "".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(400)}
        )
        assert len(words) > len(surrogate_pools()["surnames"])
        with time_limit(3.0):
            surrogates = [case.surrogate(PhiCategory.NAME, word, rng) for word in words]
        assert len(set(surrogates)) == len(surrogates)

    def test_a_shared_placeholder_is_never_reidentified_as_one_original(self) -> None:
        case, rng = vault(0), random.Random(1)
        cities = [f"Town{letter}ville" for letter in string.ascii_uppercase[:20]]
        cities += [f"City{letter}burg" for letter in string.ascii_uppercase[:20]]
        surrogates = [case.surrogate(PhiCategory.CITY, city, rng) for city in cities]
        shared = {s for s in surrogates if surrogates.count(s) > 1}
        assert shared, "expected the 36-city pool to run out"
        for surrogate in shared:
            assert case.reidentify(surrogate) == surrogate


class TestNameTokens:
    def test_orderings_and_case_of_one_name_share_their_tokens(self) -> None:
        case, rng = vault(3), random.Random(3)
        given_name, surname = case.surrogate(PhiCategory.NAME, "John Smith", rng).split()
        assert (
            case.surrogate(PhiCategory.NAME, "SMITH, JOHN", rng) == f"{surname.upper()}, {given_name.upper()}"
        )
        assert case.surrogate(PhiCategory.NAME, "Smith", rng) == surname
        assert case.surrogate(PhiCategory.NAME, "Dr. Jane Smith", rng).endswith(f" {surname}")
        assert {given_name.lower(), surname.lower()}.isdisjoint({"john", "smith"})

    def test_a_lower_case_name_gets_a_lower_case_surrogate(self) -> None:
        case, rng = vault(3), random.Random(3)
        surname = case.surrogate(PhiCategory.NAME, "Smith", rng)
        assert case.surrogate(PhiCategory.NAME, "anna smith", rng).split()[1] == surname.lower()

    def test_known_given_names_get_given_names_and_initials_get_letters(self) -> None:
        case, rng = vault(3), random.Random(3)
        pools = surrogate_pools()
        first, initial, last = case.surrogate(PhiCategory.NAME, "Mary J. Okonkwo", rng).split()
        assert first in pools["given_names"]
        assert re.fullmatch(r"[A-Z]\.", initial)
        assert last in pools["surnames"]


class TestDates:
    @pytest.mark.parametrize("seed", range(40))
    def test_shift_is_at_least_a_month_and_at_most_three_years(self, seed: int) -> None:
        assert MIN_SHIFT_DAYS <= abs(vault(seed).date_shift_days) <= MAX_SHIFT_DAYS

    def test_shifts_go_both_ways(self) -> None:
        signs = {vault(seed).date_shift_days > 0 for seed in range(40)}
        assert signs == {True, False}

    @pytest.mark.parametrize(
        "text", ["03/14/2023", "2023-03-14", "March 14, 2023", "14-Mar-2023", "20230314"]
    )
    def test_a_date_moves_by_exactly_the_case_shift_in_its_own_shape(self, text: str) -> None:
        case = vault(11)
        surrogate = case.surrogate(PhiCategory.DATE, text)
        original_match, surrogate_match = parse_date_text(text), parse_date_text(surrogate)
        assert original_match is not None
        assert surrogate_match is not None
        assert surrogate_match.shape == original_match.shape
        moved = dt.date(2023, 3, 14) + dt.timedelta(days=case.date_shift_days)
        assert case.shift_date(dt.date(2023, 3, 14)) == moved
        parts = surrogate_match.match.groupdict()
        assert int(parts["year"]) == moved.year
        assert int(parts["day"]) == moved.day

    def test_a_year_less_feb_29_is_shifted_in_a_leap_year(self) -> None:
        case = PhiVault(date_shift_days=1)
        assert case.surrogate(PhiCategory.DATE, "2/29") == "3/1"


class TestGeneralisedValues:
    @pytest.mark.parametrize("age", ["90", "92", "104", "119"])
    def test_ages_over_89_become_90_plus(self, age: str) -> None:
        assert vault().surrogate(PhiCategory.AGE_OVER_89, age) == "90+"

    @pytest.mark.parametrize(
        ("original", "zip3"), [("62704", "627"), ("62704-1234", "627"), ("01701", "017")]
    )
    def test_zip_keeps_its_first_three_digits(self, original: str, zip3: str) -> None:
        assert vault().surrogate(PhiCategory.ZIP, original) == zip3

    @pytest.mark.parametrize("area", sorted(RESTRICTED_ZIP3))
    def test_sparsely_populated_zip_areas_become_000(self, area: str) -> None:
        assert vault().surrogate(PhiCategory.ZIP, f"{area}42") == "000"

    def test_many_originals_may_share_a_generalised_value(self) -> None:
        case = vault()
        assert {case.surrogate(PhiCategory.ZIP, z) for z in ("62704", "62701", "62799")} == {"627"}
        assert {case.surrogate(PhiCategory.AGE_OVER_89, a) for a in ("91", "95")} == {"90+"}


class TestSsn:
    @given(ssn=st.from_regex(r"\A\d{3}-\d{2}-\d{4}\Z|\A\d{9}\Z"), seed=st.integers(0, 2**32))
    def test_surrogate_keeps_the_shape_and_starts_with_9(self, ssn: str, seed: int) -> None:
        surrogate = vault(seed).surrogate(PhiCategory.SSN, ssn, random.Random(seed))
        assert surrogate[0] == "9"
        assert re.sub(r"\d", "0", surrogate) == re.sub(r"\d", "0", ssn)


class TestReidentify:
    def test_replaced_names_and_ids_come_back_and_generalised_values_stay(self) -> None:
        case, rng = vault(5), random.Random(5)
        name = case.surrogate(PhiCategory.NAME, "Margaret Okonkwo", rng)
        surname = case.surrogate(PhiCategory.NAME, "Okonkwo", rng)
        mrn = case.surrogate(PhiCategory.MRN, "00482913", rng)
        phone = case.surrogate(PhiCategory.PHONE, "(617) 555-0143", rng)
        age = case.surrogate(PhiCategory.AGE_OVER_89, "92", rng)
        zip3 = case.surrogate(PhiCategory.ZIP, "62704", rng)
        model_output = (
            f"{name} (MRN {mrn}), a {age} year old from ZIP {zip3}; Ms. {surname} can be reached at {phone}."
        )
        assert case.reidentify(model_output) == (
            "Margaret Okonkwo (MRN 00482913), a 90+ year old from ZIP 627; Ms. Okonkwo can be reached at "
            "(617) 555-0143."
        )

    def test_surrogates_inside_longer_words_are_left_alone(self) -> None:
        case = vault(5)
        surname = case.surrogate(PhiCategory.NAME, "Okonkwo", random.Random(5))
        assert case.reidentify(f"{surname}ville and x{surname}") == f"{surname}ville and x{surname}"

    def test_text_without_surrogates_is_unchanged(self) -> None:
        case = vault(5)
        assert (
            case.reidentify("Stable angina; continue aspirin 81 mg.")
            == "Stable angina; continue aspirin 81 mg."
        )
        case.surrogate(PhiCategory.MRN, "00482913", random.Random(1))
        assert (
            case.reidentify("Stable angina; continue aspirin 81 mg.")
            == "Stable angina; continue aspirin 81 mg."
        )


class TestSerialisation:
    def test_json_round_trip_keeps_everything(self) -> None:
        case, rng = vault(8), random.Random(8)
        for category, original in REPLACED:
            case.surrogate(category, original, rng)
        case.uid("1.2.840.113619.2.55.3.604688119")
        restored = PhiVault.from_json(case.to_json())
        assert restored == case
        assert restored.date_shift_days == case.date_shift_days
        assert restored.name_tokens == case.name_tokens

    def test_a_restored_vault_extends_names_consistently(self) -> None:
        case = vault(8)
        surname = case.surrogate(PhiCategory.NAME, "Smith", random.Random(8))
        restored = PhiVault.from_json(case.to_json())
        assert restored.surrogate(PhiCategory.NAME, "Anna Smith", random.Random(9)).endswith(f" {surname}")

    @given(
        pairs=st.lists(
            st.tuples(
                st.sampled_from(list(PhiCategory)),
                st.text(alphabet=string.ascii_letters + string.digits + " -./", min_size=1, max_size=20),
            ),
            min_size=1,
            max_size=15,
        ),
        seed=st.integers(0, 2**32),
    )
    def test_surrogates_are_stable_across_calls_and_a_json_round_trip(
        self, pairs: list[tuple[PhiCategory, str]], seed: int
    ) -> None:
        case, rng = vault(seed), random.Random(seed)
        first = [case.surrogate(category, value, rng) for category, value in pairs]
        again = [case.surrogate(category, value, rng) for category, value in pairs]
        restored = PhiVault.from_json(case.to_json())
        after_round_trip = [restored.surrogate(category, value, rng) for category, value in pairs]
        assert again == first
        assert after_round_trip == first
        assert len(restored.entries) == len(case.entries)
