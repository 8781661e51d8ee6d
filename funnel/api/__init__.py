"""The API of the funnel's own configuration, a module per resource: stages and reasons, goals.
What moves or shows a lead is leads.api's."""
