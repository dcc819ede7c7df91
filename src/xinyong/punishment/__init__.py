"""Joint punishment (联合惩戒): measures, memoranda, the embedded check API, feedback and statistics."""
