"""Desensitisation of personal information (脱敏): pure rules, the office's rule table, review queue."""
