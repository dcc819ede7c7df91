"""Enterprise accounts (企业用户): registration proving control of the USCC, activation by the credit office or a
one-time code, and the sign-in interface the portal uses (replaceable by the province's 统一身份认证)."""
