"""Cross-level exchange (跨层级信用信息交换): upstream sources in, the city's own data pushed up."""
