"""信用承诺: commitments, 容缺受理, fulfilment checks, integrity education, industry associations (SPEC §3.4)."""
