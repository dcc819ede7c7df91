"""信用报告: credit reports as of a moment, as PDF and JSON, with a verification code (req §3.13)."""
