"""Importing leads from a file: reading the uploaded CSV or XLSX (files), proposing which lead
field each column fills and reading its cells (columns, cells); then the batch's steps: mapping,
dry run in a staging table, landing in chunks, undo (services, staging, landing, undo)."""
