"""Credit-service agencies (信用服务机构): registration, grants, the agency API and change notices."""
