"""自主填报: self-reported credit information and its verification (SPEC §3.5, clause (5))."""
