"""Importing leads from a file: reading the uploaded CSV or XLSX (files), proposing which lead
field each column fills and reading its cells (columns). Pure reading: nothing here writes."""
