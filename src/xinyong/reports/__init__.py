"""信用报告: credit reports as of a moment, as PDF and JSON, with a verification code (SPEC §3.13)."""
