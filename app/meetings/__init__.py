"""Meetings: the kickoff meeting with its Q&A and briefing, and the monthly follow-ups."""
