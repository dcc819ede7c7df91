"""Special campaigns (专项治理, SPEC §3.10): a named campaign with target entities, department tasks and results."""
