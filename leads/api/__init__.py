"""The API of leads, a module per resource: leads (with their timelines and notes), the moves of
a lead, the queue of MQLs and the board (each answers with leads), mentions, personas and
website forms. Leads sit above the funnel: whatever shows a lead with its funnel parts is here."""
