"""Production signals for QA, aggregated in SQL (no PHI: counts, rates and distances only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from store.models import CaseEvent, CaseSummaryRow, RoutingDecision, SignoffSignal, TriageSuggestionRow


class SignalRepository:
    """What specialists changed, what ops overrode, which deadlines passed, what citation checks dropped."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def edits_by_template(self) -> list[dict[str, Any]]:
        """Per template version: signed opinions, the mean share of sections changed, and the mean edit
        distance of each section between the AI draft and the signed text."""
        rows = self.session.execute(
            select(
                SignoffSignal.template,
                SignoffSignal.template_version,
                SignoffSignal.sections_changed_share,
                SignoffSignal.section_edit_distance,
            )
        ).all()
        groups: dict[tuple[str, int], list[tuple[float, dict[str, float]]]] = {}
        for template, version, share, distances in rows:
            groups.setdefault((template, version), []).append((share, distances))
        return [
            {
                "template": template,
                "template_version": version,
                "signed": len(items),
                "sections_changed_share": round(sum(share for share, _ in items) / len(items), 4),
                "section_edit_distance": {
                    section: round(sum(d.get(section, 0.0) for _, d in items) / len(items), 4)
                    for section in sorted({key for _, d in items for key in d})
                },
            }
            for (template, version), items in sorted(groups.items())
        ]

    def routing_by_subspecialty(self) -> list[dict[str, Any]]:
        """Per suggested subspecialty: routing decisions, and the share ops accepted and overrode."""
        overridden = func.sum(case((RoutingDecision.overridden, 1), else_=0))
        rows = self.session.execute(
            select(TriageSuggestionRow.subspecialty, func.count(), overridden)
            .join(TriageSuggestionRow, TriageSuggestionRow.id == RoutingDecision.suggestion_id)
            .group_by(TriageSuggestionRow.subspecialty)
            .order_by(TriageSuggestionRow.subspecialty)
        ).all()
        return [
            {
                "subspecialty": subspecialty,
                "decisions": total,
                "acceptance_rate": round((total - (overrides or 0)) / total, 4),
                "override_rate": round((overrides or 0) / total, 4),
            }
            for subspecialty, total, overrides in rows
        ]

    def sla_events(self) -> dict[str, int]:
        """How many SLA reminders, escalations, breaches and redistribution suggestions there were."""
        kinds = ("sla_reminder", "sla_escalation", "sla_breached", "redistribution_suggested")
        rows = self.session.execute(
            select(CaseEvent.kind, func.count()).where(CaseEvent.kind.in_(kinds)).group_by(CaseEvent.kind)
        ).all()
        return {kind: 0 for kind in kinds} | dict(rows)

    def dropped_items(self) -> dict[str, Any]:
        """Summary items the citation check examined and dropped, over every stored summary."""
        checked = func.sum(cast(CaseSummaryRow.summary["verification"]["checked"].astext, Float))
        dropped = func.sum(cast(CaseSummaryRow.summary["verification"]["dropped"].astext, Float))
        total_checked, total_dropped, summaries = self.session.execute(
            select(checked, dropped, func.count())
        ).one()
        return {
            "summaries": summaries,
            "checked": int(total_checked or 0),
            "dropped": int(total_dropped or 0),
            "dropped_rate": round(total_dropped / total_checked, 4) if total_checked else None,
        }
