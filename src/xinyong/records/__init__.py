"""Credit records (信用记录): one generic, versioned fact about one subject (req §3.2)."""
