"""Header and query confusion: the client pair missing, empty, odd or sent twice; odd Content-Type and
Idempotency-Key values; createAttendanceTask repeated, empty, in odd case; unknown parameters."""

from hypothesis import strategies as st

from local.api_gateway_events import DEMO_APP_HEADERS

Pairs = tuple[tuple[str, str], ...]

CLIENT_ID, CLIENT_SECRET = DEMO_APP_HEADERS["client_id"], DEMO_APP_HEADERS["client_secret"]

header_text = st.text(max_size=30)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json;charset=utf-8",
            "application/json; charset=UTF-16",
            "application/json; charset=latin-1",
            "Application/JSON",
            " application/json ",
            "application/json;",
            ";",
            "",
            "application/json, text/plain",
            "application/vnd.api+json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
            "text/json",
            "*/*",
            "application/*",
            "application/json\x00",
            "applicaton/json",
        ]
    ),
    header_text,
)


def _client_header(name: str, good: str) -> st.SearchStrategy[Pairs]:
    """One client header as today's apps send it, or confused."""
    wrong = st.one_of(header_text, st.sampled_from(["", " ", good.upper(), f" {good} ", good + "\x00", "é" * 20]))
    return st.one_of(
        st.just(((name, good),)),
        st.just(()),  # missing
        wrong.map(lambda value: ((name, value),)),
        st.sampled_from([name.upper(), name.title(), name.replace("_", "-")]).map(lambda odd: ((odd, good),)),
        st.just(((name, good), (name, good))),  # sent twice
        wrong.map(lambda value: ((name, value), (name, good))),  # twice, the good one last
        wrong.map(lambda value: ((name, good), (name, value))),  # twice, the good one first
        st.just(((name, "x" * 10_000),)),
    )


idempotency_keys = st.one_of(
    st.sampled_from(["", " ", "k" * 255, "k" * 256, "\x00key", "ключ", "key\n", "tap-1"]),
    st.text(min_size=1, max_size=20),
)
other_headers = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(["Host", "Content-Length", "Accept", "X-Amz-Date", ""]), header_text), header_text
    ),
    max_size=3,
)


@st.composite
def header_confusion(draw: st.DrawFn) -> Pairs:
    content = draw(st.one_of(st.just(()), content_types.map(lambda value: (("Content-Type", value),))))
    if draw(st.booleans()):
        content += draw(content_types.map(lambda value: (("Content-Type", value),)))  # sent twice
    keys = draw(st.lists(idempotency_keys, max_size=2).map(lambda ks: tuple(("Idempotency-Key", k) for k in ks)))
    client = draw(_client_header("client_id", CLIENT_ID)) + draw(_client_header("client_secret", CLIENT_SECRET))
    return content + client + keys + tuple(draw(other_headers))


task_flags = st.one_of(
    st.sampled_from(["true", "false", "TRUE", "False", "tRuE", "", " ", "1", "0", "yes", "null", "true ", "[true]"]),
    st.text(max_size=10),
)
flag_names = st.sampled_from(
    ["createAttendanceTask", "CreateAttendanceTask", "createattendancetask", "CREATEATTENDANCETASK"]
)
unknown_parameters = st.tuples(
    st.one_of(st.sampled_from(["", "x", "sessionDate", "__proto__"]), st.text(max_size=10)), st.text(max_size=10)
)


@st.composite
def query_confusion(draw: st.DrawFn) -> Pairs:
    flags = tuple((draw(flag_names), draw(task_flags)) for _ in range(draw(st.integers(0, 3))))
    unknown = tuple(draw(st.lists(unknown_parameters, max_size=3)))
    if draw(st.integers(0, 9)) == 0:
        unknown += tuple((f"p{n}", "v") for n in range(60))  # many parameters
    return tuple(draw(st.permutations(flags + unknown)))
