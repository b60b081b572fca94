"""Placeholder: see zeep/__init__.py."""


class ServiceProxy:
    pass
