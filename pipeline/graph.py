"""The case graph: ingest -> deidentify -> index -> summarize (plan, map over units, assemble) -> triage and
discrepancy side by side -> draft -> await_signoff (interrupt) -> finalize, checkpointed in PostgreSQL on our
own connection pool with strict msgpack deserialisation."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from pipeline.stages import (
    PipelineRun,
    RunState,
    await_signoff,
    deidentify,
    discrepancy_stage,
    draft_stage,
    finalize,
    index,
    ingest,
    triage_stage,
)
from pipeline.summary_graph import ASSEMBLE_NODE, add_summary_nodes


def case_graph(checkpointer: Any) -> Any:
    """The compiled case graph over ``checkpointer``."""
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(RunState, context_schema=PipelineRun)
    builder.add_node("ingest", ingest)
    builder.add_node("deidentify", deidentify)
    builder.add_node("index", index)
    builder.add_edge(START, "ingest")
    builder.add_edge("ingest", "deidentify")
    builder.add_edge("deidentify", "index")
    add_summary_nodes(builder, after="index", then="triage")
    builder.add_node("triage", triage_stage)
    builder.add_node("discrepancy", discrepancy_stage)
    builder.add_edge(ASSEMBLE_NODE, "discrepancy")  # beside triage: one superstep, two nodes
    builder.add_node("draft", draft_stage)
    builder.add_edge(["triage", "discrepancy"], "draft")  # waits for both
    builder.add_node("await_signoff", await_signoff)
    builder.add_node("finalize", finalize)
    builder.add_edge("draft", "await_signoff")
    builder.add_edge("await_signoff", "finalize")
    builder.add_edge("finalize", END)
    return builder.compile(checkpointer=checkpointer)


def postgres_checkpointer(libpq_url: str, max_connections: int = 4) -> Any:
    """A PostgresSaver on a connection pool of its own, refusing to unpickle anything but plain data.

    The pool is opened here and closed with ``checkpointer.conn.close()``.
    """
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(
        libpq_url,
        min_size=1,
        max_size=max_connections,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=True,
    )
    saver = PostgresSaver(pool, serde=JsonPlusSerializer(allowed_msgpack_modules=None))  # type: ignore[arg-type]
    saver.setup()
    return saver
