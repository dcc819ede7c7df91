"""The public site 信用中国（江西共青）: search, credit profiles, 双公示, lists, policies, report verification."""
