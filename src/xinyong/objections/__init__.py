"""异议: objections against one credit record version (SPEC §3.12)."""
