"""A randomized chaos soak of POST /sessions: `make soak` (python -m local.chaos).

Container processes (fleet.py) share a DynamoDB (moto behind a fault-injecting proxy,
dynamodb_proxy.py) and the Salesforce stand-in; coach apps (coaches.py) send distinct requests and
retry them; each invocation gets random faults and maybe a SIGKILL (faults.py); at the end the org
is checked against every answer (checker.py). docs/reliability.md, "Chaos soak", explains it.
"""
