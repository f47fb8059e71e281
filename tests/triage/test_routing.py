"""Specialist matching and the SLA clock."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from triage.routing import Candidate, SlaState, rank_specialists, sla_state

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)
WINDOW = dt.timedelta(hours=72)


@pytest.mark.parametrize(
    ("hours_left", "expected"),
    [
        (72, SlaState.ON_TRACK),
        (37, SlaState.ON_TRACK),
        (36, SlaState.WARNING),
        (14.4, SlaState.AT_RISK),
        (0, SlaState.BREACHED),
        (-5, SlaState.BREACHED),
    ],
)
def test_the_clock_warns_at_half_and_escalates_at_eighty_percent(
    hours_left: float, expected: SlaState
) -> None:
    assert sla_state(NOW + dt.timedelta(hours=hours_left), WINDOW, NOW) is expected


def test_an_untriaged_case_has_no_clock() -> None:
    assert sla_state(None, WINDOW, NOW) is SlaState.NOT_STARTED


def candidate(
    name: str, subspecialties: tuple[str, ...], problems: tuple[str, ...] = (), load: int = 0
) -> Candidate:
    return Candidate(uuid.uuid4(), name, subspecialties, problems, open_cases=load, weekly_capacity=4)


def test_ineligible_specialists_are_never_suggested_and_fit_ranks_first() -> None:
    expired = candidate("A Expired", ("neurology",), problems=("no current licence for CA",))
    busy_fit = candidate("B Busy", ("neurology",), load=4)
    free_fit = candidate("C Free", ("neurology",), load=1)
    other = candidate("D Other", ("cardiology",))
    ranked = rank_specialists([expired, busy_fit, free_fit, other], "neurology", "CA")
    assert [match.name for match in ranked] == ["C Free", "B Busy", "D Other"]
    assert not ranked[1].sla_feasible
    assert any("at capacity" in reason for reason in ranked[1].reasons)
    assert ranked[0].reasons[0] == "subspecialty neurology: yes"
