"""Accounts, console sessions, API keys and the access rules of every route (req §0, §3.15)."""
