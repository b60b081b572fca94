"""Invoke the handler with one event file, like `sam local invoke -e events/x.json`, and print the response.

python -m local.invoke events/create-session-with-task.json
"""

import argparse
import json
from pathlib import Path

from local.environment import local_environment
from local.lambda_runtime import invoke


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("event", type=Path, help="an API Gateway REST proxy event (JSON)")
    options = parser.parse_args()
    event = json.loads(options.event.read_text())
    with local_environment():
        response = invoke(event)
    body = response.get("body")
    response["body"] = json.loads(body) if body else body
    print(json.dumps(response, indent=2))


if __name__ == "__main__":
    main()
