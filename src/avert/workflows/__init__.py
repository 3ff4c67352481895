"""Workflows: the only modules where ingest, store and analyses meet."""
