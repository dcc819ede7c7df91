"""The staff console: login, uploads and their row-level results, workflows, dashboards, users, audit log."""
