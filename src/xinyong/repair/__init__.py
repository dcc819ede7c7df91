"""信用修复: credit repair of dishonest records and list entries (req §3.11)."""
