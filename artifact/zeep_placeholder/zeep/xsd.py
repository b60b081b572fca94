"""Placeholder: see zeep/__init__.py."""


class AnySimpleType:
    pass


class ComplexType:
    pass


class CompoundValue:
    pass
