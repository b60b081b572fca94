"""What the coach apps do to a session through the original integration, sent to the stand-in over HTTPS.

The apps' DELETE and PATCH /sessions/{id} go to the original MuleSoft integration, never to this service
(docs/evidence/original-integration-and-apps.md). Its delete flow queries the session's tasks and
attendance rows and deletes them with the session; its patch flow updates the session's date, times,
topic, team season and headcounts (salesforce-data-api sessions.xml at 4b38bcf, flows delete:/sessions
and patch:/sessions). Coaches tick attendance through PATCH .../attendances (Attended__c).
"""

from typing import Any
from urllib.parse import quote

import requests

from local.org_standin import SalesforceStandin

API = "/services/data/v62.0"


class OriginalIntegration:
    def __init__(self, standin: SalesforceStandin) -> None:
        self._url = standin.url
        self._http = requests.Session()
        self._http.trust_env = False
        self._http.verify = standin.ca_bundle_path
        self._http.headers["Authorization"] = f"Bearer {standin.new_session()['access_token']}"

    def delete_session(self, session_id: str) -> None:
        tasks = self._ids(f"SELECT Id FROM SCORES_Task__c WHERE Session__c = '{session_id}'")
        rows = self._ids(f"SELECT Id FROM Attendance__c WHERE Session__c = '{session_id}'")
        for sobject, record_id in [
            *(("SCORES_Task__c", task) for task in tasks),
            *(("Attendance__c", row) for row in rows),
            ("Session__c", session_id),
        ]:
            answer = self._http.delete(f"{self._url}{API}/sobjects/{sobject}/{record_id}", timeout=60)
            assert answer.status_code == 204, answer.text

    def edit_session(self, session_id: str, **fields: Any) -> None:
        self._patch("Session__c", session_id, fields)

    def tick_attendance(self, attendance_id: str) -> None:
        self._patch("Attendance__c", attendance_id, {"Attended__c": True})

    def _patch(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        answer = self._http.patch(f"{self._url}{API}/sobjects/{sobject}/{record_id}", json=fields, timeout=60)
        assert answer.status_code == 204, answer.text

    def _ids(self, soql: str) -> list[str]:
        answer = self._http.get(f"{self._url}{API}/query/?q={quote(soql)}", timeout=60)
        assert answer.status_code == 200, answer.text
        return [record["Id"] for record in answer.json()["records"]]
