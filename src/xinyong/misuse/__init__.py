"""Insider-misuse alerts (谋私预警, clause 19): rules as data over the audit log, alerts for the auditor."""
