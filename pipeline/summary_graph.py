"""The summarize stage as LangGraph nodes: plan the units, map over them in parallel (``Send``), reduce.

The nodes keep only unit ids in the graph state; where units come from and where their extractions and the
summary go is the job of a :class:`SummaryContext` given to the run as LangGraph runtime context (which is
never checkpointed). The worker's context reads and writes the database; the CLI's and the evals' keep
everything in memory. So one orchestration serves all three.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from llm.gateway import Gateway
from records.deid import Deidentifier
from records.documents import Document
from records.vault import PhiVault
from summarizer.prepare import prepare_document
from summarizer.service import InMemorySummary

PLAN_NODE = "plan_units"
EXTRACT_NODE = "extract_unit"
ASSEMBLE_NODE = "assemble_summary"


class SummaryContext(Protocol):
    """Where the summarize nodes get their units and put their results."""

    def unit_ids(self) -> list[str]:
        """Every unit of the case's records, in order."""
        ...

    def extract(self, unit_id: str) -> None:
        """Extract one unit and keep the result (idempotent: a resumed run may ask again)."""
        ...

    def assemble(self, unit_ids: list[str]) -> None:
        """Build and keep the case summary from the units' extractions."""
        ...


@dataclass(frozen=True)
class SummaryRun:
    """The runtime context of a summarize run (LangGraph wants a dataclass or model there)."""

    source: SummaryContext


class SummaryState(TypedDict, total=False):
    """Ids only: no text, no PHI."""

    unit_ids: list[str]
    extracted: Annotated[list[str], operator.add]
    summarized: bool


class UnitTask(TypedDict):
    unit_id: str


def plan_units(state: SummaryState, runtime: Runtime[SummaryRun]) -> dict[str, Any]:
    """List the units to extract."""
    return {"unit_ids": runtime.context.source.unit_ids()}


def fan_out(state: SummaryState) -> list[Send] | str:
    """One ``extract_unit`` task per unit (or straight to assembly when there are none)."""
    unit_ids = state.get("unit_ids", [])
    if not unit_ids:
        return ASSEMBLE_NODE
    return [Send(EXTRACT_NODE, UnitTask(unit_id=unit_id)) for unit_id in unit_ids]


def extract_unit(task: UnitTask, runtime: Runtime[SummaryRun]) -> dict[str, Any]:
    """Extract one unit."""
    runtime.context.source.extract(task["unit_id"])
    return {"extracted": [task["unit_id"]]}


def assemble_summary(state: SummaryState, runtime: Runtime[SummaryRun]) -> dict[str, Any]:
    """Merge, verify and narrate once every unit is in."""
    runtime.context.source.assemble(state.get("unit_ids", []))
    return {"summarized": True}


def add_summary_nodes(builder: StateGraph[Any, Any, Any, Any], after: str = START, then: str = END) -> None:
    """Add the summarize stage to ``builder``, between node ``after`` and node ``then``."""
    builder.add_node(PLAN_NODE, plan_units)
    builder.add_node(EXTRACT_NODE, extract_unit)  # type: ignore[arg-type]
    builder.add_node(ASSEMBLE_NODE, assemble_summary)
    builder.add_edge(after, PLAN_NODE)
    builder.add_conditional_edges(PLAN_NODE, fan_out, [EXTRACT_NODE, ASSEMBLE_NODE])
    builder.add_edge(EXTRACT_NODE, ASSEMBLE_NODE)
    builder.add_edge(ASSEMBLE_NODE, then)


def summary_graph() -> Any:
    """The summarize stage alone, without a checkpointer (the CLI and the evals)."""
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(SummaryState, context_schema=SummaryRun)
    add_summary_nodes(builder)
    return builder.compile()


def run_in_memory(context: SummaryContext, max_concurrency: int = 4) -> None:
    """Run the summarize stage over an in-memory context (no checkpoints)."""
    summary_graph().invoke({}, {"max_concurrency": max_concurrency}, context=SummaryRun(context))


def summarize_documents(
    documents: Sequence[Document], gateway: Gateway, deidentifier: Deidentifier | None = None
) -> tuple[InMemorySummary, PhiVault]:
    """One case summarised in memory (the CLI and the evals): its documents certified with one new vault,
    the stage run without checkpoints. Returns the context (units, extractions, summary, provenance) and the
    vault that re-identifies the summary."""
    vault = PhiVault.new()
    context = InMemorySummary([prepare_document(d, vault, deidentifier) for d in documents], gateway)
    run_in_memory(context)
    return context, vault
