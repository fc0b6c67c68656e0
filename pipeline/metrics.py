"""Prometheus metrics for the loop: in-process counters plus a collector that reads the store on scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import REGISTRY, CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from store.status import LoopStatus

if TYPE_CHECKING:
    from pipeline.loop import BatchReport

__all__ = ["LOOP_METRICS", "LoopMetrics", "StoreStatusCollector"]


class LoopMetrics:
    """Counters this process increments as batches go through the loop."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        reg = registry if registry is not None else REGISTRY
        self.received = Counter("reviewops_payloads_received_total", "Raw payloads received", registry=reg)
        self.resent = Counter("reviewops_payloads_resent_total", "Payloads already in bronze (no-op)", registry=reg)
        self.quarantined = Counter("reviewops_quarantined_total", "Payloads quarantined", ["reason"], registry=reg)
        self.silver = Counter("reviewops_silver_total", "Reviews cleaned into silver", ["status"], registry=reg)
        self.scored = Counter("reviewops_scored_total", "Reviews scored", registry=reg)
        self.routed = Counter("reviewops_routed_total", "Reviews routed", ["route"], registry=reg)

    def observe_batch(self, report: BatchReport) -> None:
        self.received.inc(report.received)
        self.resent.inc(report.resent)
        for reason, n in report.quarantined.items():
            self.quarantined.labels(reason).inc(n)
        for status, n in report.silver.items():
            self.silver.labels(status).inc(n)
        self.scored.inc(report.scored)
        for route, n in report.routed.items():
            self.routed.labels(route).inc(n)


LOOP_METRICS = LoopMetrics()


class StoreStatusCollector(Collector):
    """Exposes the stored loop state (all processes' work) as gauges, read fresh on every scrape."""

    def __init__(self, read_status: Callable[[], LoopStatus]) -> None:
        self._read_status = read_status

    def collect(self) -> Iterator[Metric]:
        status = self._read_status()
        yield GaugeMetricFamily("reviewops_store_bronze", "Payloads stored in bronze", value=status.bronze)
        silver = GaugeMetricFamily("reviewops_store_silver", "Silver reviews by status", labels=["status"])
        for key, n in status.silver_by_status.items():
            silver.add_metric([key], n)
        yield silver
        quarantine = GaugeMetricFamily("reviewops_store_quarantine", "Quarantined payloads", labels=["reason"])
        for key, n in status.quarantine_by_reason.items():
            quarantine.add_metric([key], n)
        yield quarantine
        routed = GaugeMetricFamily("reviewops_store_routed", "Routed reviews by route", labels=["route"])
        for key, n in status.routed_by_route.items():
            routed.add_metric([key], n)
        yield routed
        by_language = GaugeMetricFamily(
            "reviewops_store_routed_by_language", "Routed reviews by language and route", labels=["language", "route"]
        )
        for language, routes in status.routes_by_language.items():
            for route, n in routes.items():
                by_language.add_metric([language, route], n)
        yield by_language
        stages = GaugeMetricFamily("reviewops_store_scored_by_stage", "Reviews by cascade stage", labels=["stage"])
        for stage, n in status.scored_by_stage.items():
            stages.add_metric([stage], n)
        yield stages
        queue = GaugeMetricFamily("reviewops_agent_queue", "Escalated reviews by queue status", labels=["status"])
        for key, n in status.agent_queue_by_status.items():
            queue.add_metric([key], n)
        yield queue
        yield GaugeMetricFamily("reviewops_index_backlog", "Clean reviews not yet indexed", value=status.unindexed)
        lag = GaugeMetricFamily(
            "reviewops_stage_lag_seconds", "Stage lag over recent reviews", labels=["stage", "quantile"]
        )
        for stats in status.lags:
            lag.add_metric([stats.stage, "0.5"], stats.p50_seconds)
            lag.add_metric([stats.stage, "0.95"], stats.p95_seconds)
        yield lag
