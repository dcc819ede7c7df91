"""市场主体 (market entities) and their responsible persons."""
