"""部门信用工作考核: monthly department scorecards for the joint meeting (联席会议), req §3.15b, clause (21)."""
