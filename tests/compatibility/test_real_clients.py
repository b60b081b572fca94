"""Every request today's clients really send (CONTRACT.md "Evidence"), replayed with its real headers.

Sources (quotes in docs/evidence/original-integration-and-apps.md):
- salesforce-data-api `docs/Scores - Salesforce Data API.postman_collection.json`, POST /sessions;
- AmericaScores-CoachApp master `App.js` (axios default headers) and
  `src/components/SessionModal.component.js` (AddSessionHeadcountModal, AddSessionModal), whose server
  is salesforce-data-api's branch legacy_support (fee2f55), not master;
- AmericaScores-CoachApp new-app-2 `src/redux/apiSlice.ts` and `src/redux/sessions/sessions-endpoint.ts`.
This is the regression net for switching the apps over: a 201, and what the org then holds.
"""

from typing import Any

import requests

from local.environment import APP_CLIENT_ID, APP_CLIENT_SECRET
from tests.compatibility.conftest import RealOrg

APP_HEADERS = {"client_id": APP_CLIENT_ID, "client_secret": APP_CLIENT_SECRET}
# Postman adds Content-Type for a raw JSON body and its own headers to every request.
POSTMAN_HEADERS = {
    **APP_HEADERS,
    "Origin": "Postman",
    "Content-Type": "application/json",
    "User-Agent": "PostmanRuntime/7.43.0",
    "Accept": "*/*",
    "Cache-Control": "no-cache",
    "Postman-Token": "0d3f2f8e-5d0c-4a43-9a43-6c1f0c2b8a11",
}
# axios (the old app) sends its defaults, with client_id/client_secret set on Axios.defaults.headers.common.
AXIOS_HEADERS = {
    **APP_HEADERS,
    "Accept": "application/json, text/plain, */*",
    "Content-Type": "application/json;charset=utf-8",
    "User-Agent": "okhttp/4.9.2",
}
# RTK Query's fetchBaseQuery (the new app): prepareHeaders sets the pair, fetch lower-cases names.
RTK_HEADERS = {**APP_HEADERS, "content-type": "application/json", "accept": "*/*"}


def post(real_org: RealOrg, body: str, headers: dict[str, str], query: str = "") -> requests.Response:
    session = requests.Session()
    session.headers.clear()  # only the client's own headers, not requests' defaults
    return session.post(f"{real_org.base_url}/sessions{query}", data=body.encode(), headers=headers, timeout=120)


def only(real_org: RealOrg, sobject: str) -> list[dict[str, Any]]:
    return real_org.env.standin.records(sobject)


def test_the_existing_apis_postman_request_creates_the_session_task_and_attendance(real_org: RealOrg) -> None:
    body = (
        '{"SessionDate": "2025-11-19", "SessionTopic": "Game Day", "TeamSeasonId": "a0qcX000000GEggQAG", '
        '"SessionStart": "16:00:00.000Z", "SessionEnd": "18:00:00.000Z", "CoachId": "003UQ00000EiAy9YAF"}'
    )

    answer = post(real_org, body, POSTMAN_HEADERS, "?createAttendanceTask=true")

    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    created = answer.json()
    [session] = only(real_org, "Session__c")
    assert session["Id"] == created["SessionId"]
    assert (session["Session_Date__c"], session["Session_Start__c"], session["Session_End__c"]) == (
        "2025-11-19",
        "16:00:00.000Z",
        "18:00:00.000Z",
    )
    assert (session["Team_Season__c"], session["Session_Topic__c"]) == (real_org.team_season_id, "Game Day")
    [task] = only(real_org, "SCORES_Task__c")
    assert task["Id"] == created["TaskId"]
    assert (task["Due_Date__c"], task["Assigned_To__c"], task["Session__c"]) == (
        "2025-11-19",
        real_org.coach_id,
        session["Id"],
    )
    assert (task["Task_Type__c"], task["Task_Status__c"], task["Name"]) == (
        "Take Attendance",
        "Not Started",
        "Take attendance",
    )
    # As the existing endpoint: no contact audit fields by default (TASK_CONTACT_FIELDS_ENABLED), and the
    # owner is the configured user (TASK_OWNER_USER_ID; the original hard-codes 0051T000009eHfvQAE).
    assert {"Created_By_Contact__c", "Last_Modified_By_Contact__c"}.isdisjoint(task)
    assert task["OwnerId"] == real_org.env.seed.owner_user_id
    rows = only(real_org, "Attendance__c")
    assert sorted(row["ExternalId__c"] for row in rows) == sorted(
        f"{student}-{session['Id']}" for student in real_org.env.seed.student_ids
    )
    assert {row["Id"] for row in rows} == {item["AttendanceId"] for item in created["Attendances"]}
    assert all(row["Attended__c"] is False for row in rows)


def test_the_old_apps_request_with_hh_mm_times_and_an_underscored_topic(real_org: RealOrg) -> None:
    """AddSessionHeadcountModal: PascalCase times as moment().format("HH:mm"), topic with _ for spaces."""
    body = (
        '{"SessionDate":"2025-05-21","SessionTopic":"Game_Day","SessionStart":"16:00","SessionEnd":"17:30",'
        f'"TeamSeasonId":"{real_org.env.seed.team_season_id}"}}'
    )

    answer = post(real_org, body, AXIOS_HEADERS)

    assert answer.status_code == 201, answer.text
    assert answer.json() == {"SessionId": answer.json()["SessionId"], "TaskId": None, "Attendances": []}
    [session] = only(real_org, "Session__c")
    assert (session["Session_Start__c"], session["Session_End__c"]) == ("16:00:00.000Z", "17:30:00.000Z")
    assert session["Session_Topic__c"] == "Game Day"  # the org's value, not the app's underscored form
    assert only(real_org, "SCORES_Task__c") == []  # the app sends no CoachId: no task, as today


def test_the_old_apps_add_session_modal_with_lowercase_times_stores_them_as_the_sessions_times(
    real_org: RealOrg,
) -> None:
    """AddSessionModal sends sessionStart/sessionEnd as moment().format("HH:mm"), keys in its object's order;
    the old app's server (legacy_support, sessions.xml l.286-287) stores them as Session_Start__c/End__c."""
    body = (
        '{"SessionDate":"2025-05-21","SessionTopic":"Soccer_and_Writing","sessionStart":"16:00",'
        f'"sessionEnd":"17:30","TeamSeasonId":"{real_org.env.seed.team_season_id}"}}'
    )

    answer = post(real_org, body, AXIOS_HEADERS)

    assert answer.status_code == 201, answer.text
    [session] = only(real_org, "Session__c")
    assert answer.json() == {"SessionId": session["Id"], "TaskId": None, "Attendances": []}
    assert (session["Session_Date__c"], session["Session_Start__c"], session["Session_End__c"]) == (
        "2025-05-21",
        "16:00:00.000Z",
        "17:30:00.000Z",
    )
    assert session["Session_Topic__c"] == "Soccer and Writing"
    assert only(real_org, "SCORES_Task__c") == []  # no CoachId: no task


def test_the_new_apps_three_field_request_gets_the_session_id_it_reads(real_org: RealOrg) -> None:
    """sessions-endpoint.ts: createCoachSession posts three fields; PostSessionsSerializer reads SessionId."""
    body = '{"SessionDate":"2024-08-23","SessionTopic":"Soccer","TeamSeasonId":"a0qcX000000GEggQAG"}'

    answer = post(real_org, body, RTK_HEADERS)

    assert answer.status_code == 201, answer.text
    [session] = only(real_org, "Session__c")
    assert answer.json()["SessionId"] == session["Id"]
    assert (session["Session_Date__c"], session["Session_Topic__c"], session["Team_Season__c"]) == (
        "2024-08-23",
        "Soccer",
        real_org.team_season_id,
    )
    assert only(real_org, "SCORES_Task__c") == []
