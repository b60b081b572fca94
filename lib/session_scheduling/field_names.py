"""Names a client may have mistyped: a known name in another case or with blanks around it.

Such a name is refused, never dropped: `?CreateAttendanceTask=false` or `"coachId"` would otherwise be ignored
like any unknown field and the request would do the opposite of what the coach asked, with a normal 201.
Names that are not near misses stay ignored (today's clients send extras).
"""

from collections.abc import Iterable, Sequence


def meant_name(given: str, known: Sequence[str]) -> str | None:
    """The known name that `given` misses only by case or surrounding blanks (the first one listed), else None."""
    if given in known:
        return None
    folded = given.strip().casefold()
    return next((name for name in known if name.casefold() == folded), None)


def near_misses(given: Iterable[str], known: Sequence[str]) -> dict[str, str]:
    """Each near-miss name given, with the name it misses."""
    return {name: meant for name in given if (meant := meant_name(name, known)) is not None}


def near_miss_message(meant: str) -> str:
    return (
        f'is not a name this API knows: did you mean "{meant}"? Names are case-sensitive and have no blanks '
        "around them, and an unknown name would be ignored"
    )
