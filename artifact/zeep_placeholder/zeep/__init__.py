"""Placeholder for zeep in the Lambda artifact (not a SOAP client).

simple-salesforce imports zeep at import time for its SOAP Metadata API, which this service never
calls. Shipping the real zeep would add lxml: 12.6 MB to the artifact and tens of milliseconds to
every cold start. Anything that does try to use it fails loudly.
"""


class _Unavailable:
    def __init__(self, *_args: object, **_kwargs: object) -> None:
        raise RuntimeError("zeep is not in this artifact: the Salesforce Metadata API is not available here")


class Client(_Unavailable):
    pass


class Settings(_Unavailable):
    pass
