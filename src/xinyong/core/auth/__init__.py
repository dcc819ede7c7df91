"""Accounts, console sessions, API keys and the access rules of every route (SPEC §0, §3.15)."""
