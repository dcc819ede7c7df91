"""信用修复: credit repair of dishonest records and list entries (SPEC §3.11)."""
