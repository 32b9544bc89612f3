"""Accountability trace-back (责任倒查): who inspected, found, owned, missed, was told and
verified, for one place over a time window; and the queries that flag what went wrong."""
