"""Leads' logic in the database (see smarketing/database_sql.py)."""
