"""Reports and exports: progress for the client, the portfolio, placements, apprentice årsværk."""
