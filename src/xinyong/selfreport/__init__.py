"""自主填报: self-reported credit information and its verification (req §3.5, clause (5))."""
