"""信用承诺: commitments, 容缺受理, fulfilment checks, integrity education, industry associations (req §3.4)."""
