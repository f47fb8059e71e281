"""``reconsult worker``: take runs from the PostgreSQL queue and run the case graph, durably.

A worker claims a run, renews its lease with heartbeats while it works, and resumes the run's LangGraph
thread from its last checkpoint when the run was started before (by a worker that died). Any number of
workers on any number of machines can share one database. A failing run is marked failed with a reason
that names the step and the error type (never text from the records) and can be retried; the worker goes
on with other runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langgraph.types import Command
from sqlalchemy import text

from pipeline.graph import case_graph
from pipeline.sla import sweep
from pipeline.stages import DatabaseSummary, PipelineRun, PipelineServices
from store.models import RunStatus, Urgency
from store.repositories.pipeline import RunRepository

logger = logging.getLogger(__name__)
SLA_SWEEP_LOCK = 0x5EC0_51A  # advisory-lock key of the SLA sweep


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker behaves."""

    lease: dt.timedelta = dt.timedelta(seconds=60)
    poll_seconds: float = 2.0
    max_concurrency: int = 4
    sla_window: Callable[[Urgency], dt.timedelta] | None = None  # with it, the worker sweeps SLA clocks
    sla_sweep_seconds: float = 60.0


def worker_name() -> str:
    """A name unique to this process, for the runs it holds."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    """Runs queued runs one at a time until stopped."""

    def __init__(
        self, services: PipelineServices, checkpointer: Any, options: WorkerOptions | None = None
    ) -> None:
        self.services = services
        self.options = options or WorkerOptions()
        self.name = worker_name()
        self.graph = case_graph(checkpointer)

    def run_forever(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; sleep between polls when the queue is empty; sweep the SLA clocks."""
        last_sweep = 0.0
        while not stop.is_set():
            if time.monotonic() - last_sweep >= self.options.sla_sweep_seconds:
                self.sweep_sla()
                last_sweep = time.monotonic()
            if not self.run_next():
                stop.wait(self.options.poll_seconds)

    def sweep_sla(self) -> int:
        """Add due SLA reminders, escalations and redistribution suggestions (several workers may sweep:
        the sweep takes a transaction-level advisory lock, so one does it at a time)."""
        if self.options.sla_window is None:
            return 0
        with self.services.session_factory.begin() as session:
            if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SLA_SWEEP_LOCK}):
                return 0
            return sweep(session, self.options.sla_window, dt.datetime.now(dt.UTC))

    def drain(self) -> int:
        """Run queued runs until none is left; how many ran."""
        count = 0
        while self.run_next():
            count += 1
        return count

    def run_next(self) -> bool:
        """Claim and run one run; False when there was none to claim."""
        with self.services.session_factory.begin() as session:
            run_id = RunRepository(session).claim_next(self.name, self.options.lease)
        if run_id is None:
            return False
        self._execute(run_id)
        return True

    def _execute(self, run_id: uuid.UUID) -> None:
        with self.services.session_factory() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
            case_id, record_ids, input_hash = run.case_id, list(run.record_ids), run.input_hash
        stop_heartbeat = threading.Event()
        heartbeat = threading.Thread(target=self._beat, args=(run_id, stop_heartbeat), daemon=True)
        heartbeat.start()
        try:
            paused_at = self._invoke(run_id, case_id, record_ids, input_hash)
        except Exception as error:  # any failure of any stage: record it, keep the worker alive
            self._finish(run_id, RunStatus.FAILED, self._failure_reason(run_id, error))
            logger.warning("run %s failed: %s", run_id, type(error).__name__)
        else:
            if paused_at is not None:
                with self.services.session_factory.begin() as session:
                    RunRepository(session).pause(run_id, paused_at)
                logger.info("run %s awaits sign-off", run_id)
            else:
                self._finish(run_id, RunStatus.SUCCEEDED)
                logger.info("run %s succeeded", run_id)
        finally:
            stop_heartbeat.set()
            heartbeat.join()

    def _invoke(
        self, run_id: uuid.UUID, case_id: uuid.UUID, record_ids: list[str], input_hash: str
    ) -> str | None:
        """Run (or resume) the graph; the id of the interrupt it paused at, or None when it finished."""
        config = {"configurable": {"thread_id": str(run_id)}, "max_concurrency": self.options.max_concurrency}
        started_before = bool(self.graph.get_state(config).values)
        first_input = {
            "run_id": str(run_id),
            "case_id": str(case_id),
            "record_ids": record_ids,
            "input_hash": input_hash,
        }
        context = PipelineRun(
            DatabaseSummary(self.services, run_id, case_id),
            services=self.services,
            run_id=run_id,
            case_id=case_id,
        )
        with self.services.session_factory() as session:
            run = RunRepository(session).get(run_id)
            assert run is not None
            interrupt_id, resume_value = run.interrupt_id, run.resume_value
        graph_input: Any = None if started_before else first_input  # None continues the thread
        if interrupt_id and resume_value:  # signed: resume the sign-off interrupt by its id
            graph_input = Command(resume={interrupt_id: resume_value})
        result = self.graph.invoke(graph_input, config, context=context)
        interrupts = result.get("__interrupt__") if isinstance(result, dict) else None
        return str(interrupts[0].id) if interrupts else None

    def _beat(self, run_id: uuid.UUID, stop: threading.Event) -> None:
        interval = self.options.lease.total_seconds() / 3
        while not stop.wait(interval):
            with self.services.session_factory.begin() as session:
                RunRepository(session).heartbeat(run_id, self.name)

    def _finish(self, run_id: uuid.UUID, status: RunStatus, reason: str | None = None) -> None:
        with self.services.session_factory.begin() as session:
            RunRepository(session).finish(run_id, status, reason)

    def _failure_reason(self, run_id: uuid.UUID, error: Exception) -> str:
        with self.services.session_factory() as session:
            run = RunRepository(session).get(run_id)
            step = run.step if run and run.step else "start"
        return f"{step}: {type(error).__name__}"[:300]
