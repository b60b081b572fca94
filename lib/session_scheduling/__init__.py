"""Schedule a practice session for a team season in Salesforce.

Three rooms: ``request``/``response``/``errors`` (the API's shapes), ``scheduler`` and ``plan``
(what must be created), ``salesforce`` (how it is created).
"""
