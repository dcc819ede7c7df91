"""Special campaigns (专项治理, req §3.10): a named campaign with target entities, department tasks and results."""
