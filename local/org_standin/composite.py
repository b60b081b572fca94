"""Composite and sObject Collections, with Salesforce's all-or-none rollback and @{ref.field} references.

Pages cited below are in the REST API Developer Guide, at
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/ (file names given where useful).
"""

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.org_standin.ids import INTEGRATION_USER_ID
from local.org_standin.org import Org, Transaction
from local.org_standin.schema import SalesforceProblem

# "You can have up to 25 subrequests in a single call. Up to 5 of these subrequests can be sObject Collections or
# query operations" ("Send Multiple Requests Using Composite", Note: resources_composite_composite_post.htm).
MAX_SUBREQUESTS = 25
# "The list can contain up to 200 objects" ("Create Records Using sObject Collections").
MAX_COLLECTION = 200
MAX_COLLECTIONS_AND_QUERIES = 5  # of the 25 subrequests, at most 5 are sObject Collections or queries
# "The referenceId must not contain anything besides letters, numbers, or underscores" and "must start with a letter
# or a number" ("Composite Request Body", referenceId: requests_composite.htm).
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}")
_PATH_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
# The body "allOrNone Parameters in Composite and Collections Requests" prints for a subrequest rolled back by
# another's failure (Case 4: resources_composite_allornone.htm).
HALTED = [
    {
        "errorCode": "PROCESSING_HALTED",
        "message": "The transaction was rolled back since another operation in the same transaction failed.",
    }
]
# As "Create Records Using sObject Collections" prints it ("Some Items Failed and allOrNone is true").
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
    "fields": [],
}


def run_composite(org: Org, body: Any, reverse_answers: bool = False) -> dict[str, Any]:
    """reverse_answers: Salesforce does not promise compositeResponse in request order; tests can check that.

    "Composite Request Body", collateSubrequests (true by default from v49.0): "the order of execution is not
    guaranteed"; no page promises the answers come back in request order either.
    """
    subrequests = _subrequests(body)
    all_or_none = bool(body.get("allOrNone", False))
    with org.lock:
        work = Transaction(org, INTEGRATION_USER_ID)
        results: dict[str, Any] = {}
        answers: list[dict[str, Any]] = []
        failed = False
        for sub in subrequests:
            reference = sub["referenceId"]
            # "If allOrNone is set to true in the composite request and a subrequest returns an error, all other
            # subrequests return the 400 HTTP status code" ("Composite Subrequest Result", httpStatusCode).
            if failed and all_or_none:
                answers.append(_answer(reference, 400, HALTED))
                continue
            status, result = _run_one(org, work, sub, results, all_or_none)
            answers.append(_answer(reference, status, result))
            if status >= 400:
                failed = True
            else:
                results[reference] = result
        if failed and all_or_none:
            work.staged.clear()
            answers = [a if a["httpStatusCode"] >= 400 else _answer(a["referenceId"], 400, HALTED) for a in answers]
        else:
            org.commit(work)
    return {"compositeResponse": answers[::-1] if reverse_answers else answers}


def run_collection(org: Org, body: Any, outer_all_or_none: bool | None) -> tuple[int, list[dict[str, Any]]]:
    """Standalone sObject Collections create (outer_all_or_none None) commits its own work."""
    with org.lock:
        work = Transaction(org, INTEGRATION_USER_ID)
        status, results = _collection(work, body, outer_all_or_none)
        org.commit(work)
    return status, results


def _subrequests(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise SalesforceProblem("JSON_PARSER_ERROR", "compositeRequest is required")
    subrequests = body["compositeRequest"]
    # The limits are documented (see MAX_SUBREQUESTS); the code and wording of the refusal are not.
    if not subrequests or len(subrequests) > MAX_SUBREQUESTS:
        raise SalesforceProblem("INVALID_INPUT", f"A composite request can contain 1 to {MAX_SUBREQUESTS} subrequests")
    # From v52.0 "any illegal characters in reference IDs cause the whole request to fail" ("Composite Subrequest
    # Result"); that answer's code, and what a duplicate gets, are not documented (INVALID_INPUT: the stand-in's).
    seen: set[str] = set()
    for sub in subrequests:
        reference = str(sub.get("referenceId", ""))
        if not _REFERENCE_ID.match(reference) or reference in seen:
            raise SalesforceProblem("INVALID_INPUT", f"Invalid or duplicate referenceId: {reference}")
        seen.add(reference)
    heavy = [sub for sub in subrequests if re.search(r"/(composite/sobjects|query|queryAll)\b", str(sub.get("url")))]
    if len(heavy) > MAX_COLLECTIONS_AND_QUERIES:
        raise SalesforceProblem(
            "INVALID_INPUT",
            f"A composite request can contain at most {MAX_COLLECTIONS_AND_QUERIES} sObject Collections or query subrequests",
        )
    return subrequests


def _run_one(
    org: Org, work: Transaction, sub: dict[str, Any], results: dict[str, Any], all_or_none: bool
) -> tuple[int, Any]:
    try:
        url = _resolve(str(sub.get("url", "")), results)
        body = json.loads(_resolve(json.dumps(sub.get("body")), results))
        path = url.split("?", 1)[0].rstrip("/")
        parts = path.split("/")[4:]  # after /services/data/vNN.N
        method = sub.get("method")
        if method == "POST" and len(parts) == 2 and parts[0] == "sobjects":
            if not isinstance(body, dict):
                raise SalesforceProblem("JSON_PARSER_ERROR", "The request body must be a JSON object")
            return 201, {"id": work.insert(parts[1], body), "success": True, "errors": []}
        if method == "POST" and parts == ["composite", "sobjects"]:
            return _collection(work, body, all_or_none)
        if method == "GET" and parts and parts[0] == "query":
            records = org.query(parse_qs(urlsplit(url).query).get("q", [""])[0])
            return 200, {"totalSize": len(records), "done": True, "records": records}
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    except SalesforceProblem as problem:
        return problem.status, [problem.as_error()]


def _collection(work: Transaction, body: Any, outer_all_or_none: bool | None) -> tuple[int, list[dict[str, Any]]]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceProblem("JSON_PARSER_ERROR", "records is required")
    records = body["records"]
    # EXCEEDED_ID_LIMIT: "Too many IDs were specified in a call" (SOAP API, "Core Data Types Used in API Calls");
    # the wording is Salesforce's answer past 200 records as quoted in sorenkrabbe/Chrome-Salesforce-inspector#134.
    if len(records) > MAX_COLLECTION:
        raise SalesforceProblem(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this call",
        )
    # A composite's allOrNone true "also applies to each of the sObject Collections subrequests, overriding" theirs
    # ("allOrNone Parameters in Composite and Collections Requests").
    all_or_none = outer_all_or_none if outer_all_or_none else bool(body.get("allOrNone", False))
    staged_before = len(work.staged)
    results: list[dict[str, Any]] = []
    for record in records:
        sobject = (record.get("attributes") or {}).get("type") if isinstance(record, dict) else None
        try:
            if not sobject:
                raise SalesforceProblem("INVALID_TYPE", "Must send a concrete entity type.")
            results.append({"id": work.insert(sobject, record), "success": True, "errors": []})
        except SalesforceProblem as problem:
            results.append({"success": False, "errors": [problem.as_error("statusCode")]})
    failed = any(not result["success"] for result in results)
    if failed and all_or_none:
        del work.staged[staged_before:]
        results = [r if not r["success"] else {"success": False, "errors": [ROLLED_BACK]} for r in results]
        # 200 when well formed ("Create Records Using sObject Collections"). Inside an allOrNone composite the
        # stand-in answers 400 (Composite Subrequest Result's rule above); the allOrNone page's Case 4 prints 200.
        return (400 if outer_all_or_none else 200), results
    return 200, results


def _resolve(text: str, results: dict[str, Any]) -> str:
    def value_of(match: re.Match[str]) -> str:
        reference, path = match.group(1), match.group(2)
        # Not a documented code: public fixtures show Salesforce answering PROCESSING_HALTED "Invalid reference
        # specified. No value for ... found in ..." (SFDO-Tooling/CumulusCI, .../salesforce/tests/test_composite.py).
        if reference not in results:
            raise SalesforceProblem("INVALID_REFERENCE", f"Invalid reference specified. No value for {reference}")
        value: Any = results[reference]
        for name, index in _PATH_STEP.findall(path):
            try:
                value = value[int(index)] if index else value[name]
            except (KeyError, IndexError, TypeError):
                raise SalesforceProblem("INVALID_REFERENCE", f"Invalid reference: {match.group(0)}") from None
        return str(value)

    return _REFERENCE.sub(value_of, text)


def _answer(reference: str, status: int, body: Any) -> dict[str, Any]:
    headers = {"Location": f"/services/data/v62.0/sobjects/x/{body['id']}"} if status == 201 else {}
    return {"body": body, "httpHeaders": headers, "httpStatusCode": status, "referenceId": reference}
