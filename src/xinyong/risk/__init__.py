"""风险预警: alert rules over ingested records (complaints, penalties), alerts for the department in charge."""
