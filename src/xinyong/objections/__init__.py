"""异议: objections against one credit record version (req §3.12)."""
