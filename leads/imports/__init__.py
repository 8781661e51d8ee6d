"""Import batches: one uploaded file, its mapping, dry run, landing and undo."""
