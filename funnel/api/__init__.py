"""The API's funnel, a module per resource: moves, the queue, the board, configuration, goals."""
