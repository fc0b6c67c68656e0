"""Imports every module that defines tables on `store.tables.Base`, so migrations and create_all see them all."""

import store.outbox_tables
import store.tables  # noqa: F401
