"""Remedies (req §3.9): rectification tasks (限期整改) and interviews (约谈); credit repair and objections later."""
