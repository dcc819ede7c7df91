"""Lists (名单, req §3.8): 严重失信主体名单, 重点关注对象名单, 市场和行业禁入, and the listing procedure."""
