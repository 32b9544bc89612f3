"""Spreadsheet import and export (CSV, XLSX) of regions, organisations, persons and assignments.

Every import is validated whole before anything is written, so a bad file changes nothing;
exports write the same columns the importer reads, so an export re-imports unchanged.
"""
