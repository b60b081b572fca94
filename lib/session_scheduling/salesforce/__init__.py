"""How the session bundle reaches Salesforce: credentials, OAuth token, REST calls, composite requests."""
