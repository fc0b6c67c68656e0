"""Imports every module that defines tables on `store.tables.Base`, so migrations and create_all see them all."""

import store.alert_tables
import store.gold_tables
import store.incident_tables
import store.outbox_tables
import store.tables
import store.triage_tables  # noqa: F401
