"""Write the resolver's OpenAPI 3 document to docs/openapi.json (make openapi); a test keeps it current."""

import json
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def openapi_document() -> str:
    from handler.app import app

    schema = app.get_openapi_json_schema(
        title="Coaching platform: sessions",
        version="1.0.0",
        summary="Schedule practice sessions for a team season in Salesforce",
    )
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


def main() -> None:
    DOCUMENT.write_text(openapi_document())
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
