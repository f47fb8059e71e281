"""Two runs of the de-identification suite draw the same surrogates, so they count the same leaks."""

from __future__ import annotations

from evals.deid_suite import SeededVault, reconsult_system
from records.phi import PhiCategory

NOTE = "Patient: Eleanor Whitcombe   MRN: 00482913   seen by Dr. Harold Fenwick on 02/11/2024."


def test_the_suite_draws_the_same_surrogates_for_the_same_text() -> None:
    first, second = reconsult_system(), reconsult_system()
    assert first(NOTE).output == second(NOTE).output
    assert "Whitcombe" not in first(NOTE).output


def test_a_seeded_vault_repeats_its_draws() -> None:
    surrogates = {SeededVault.for_text(NOTE).surrogate(PhiCategory.MRN, "00482913") for _ in range(2)}
    assert len(surrogates) == 1
    assert surrogates != {"00482913"}
