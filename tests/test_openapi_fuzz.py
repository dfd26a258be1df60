"""Schemathesis against the OpenAPI document: generated requests, valid and
not, must never get a 5xx nor a response that breaks the document."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES_PER_OPERATION = 25


def test_api_never_fails_and_keeps_its_promises(app, site_key):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {site_key}"}
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            case.call_and_validate(headers=headers, checks=checks)

        exercise()


# Characters no database can store: NUL everywhere, lone surrogates in JSON
# (they cannot be encoded into a URL at all).
NUL = "\x00"
POISONED_PER_OPERATION = 15
UNSTORABLE_IN_JSON = ["\x00", "\ud800", "\ud83d", "\udfff"]


def _string_slots(value, slots, json_body):
    """Every (container, key) holding a string, so one can be replaced."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        if isinstance(item, str):
            slots.append((value, key, json_body))
        elif isinstance(item, (dict, list)) and json_body:
            _string_slots(item, slots, json_body)


def test_unstorable_characters_anywhere_are_a_400_never_a_500(app, site_key):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {site_key}"}
    checks = [not_a_server_error, status_code_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    poisoned = 0
    for operation in operations:
        is_batch = operation.path == "/comments/batch"

        @given(case=operation.as_strategy(), data=st.data())
        @settings(
            max_examples=POISONED_PER_OPERATION,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case, data):
            nonlocal poisoned
            slots = []
            for part in (case.query, case.path_parameters):
                if part:
                    _string_slots(part, slots, json_body=False)
            if isinstance(case.body, (dict, list)):
                _string_slots(case.body, slots, json_body=True)
            if not slots:
                return
            container, key, json_body = data.draw(st.sampled_from(slots))
            char = data.draw(st.sampled_from(UNSTORABLE_IN_JSON if json_body else [NUL]))
            at = data.draw(st.integers(0, len(container[key])))
            container[key] = container[key][:at] + char + container[key][at:]
            response = case.call_and_validate(headers=headers, checks=checks)
            poisoned += 1
            if is_batch and response.status_code == 200:  # noqa: B023 (called in this loop)
                # Only the poisoned item fails; the batch itself stands.
                assert response.json()["failed"] >= 1
            else:
                assert response.status_code == 400, response.text

        exercise()
    assert poisoned > 30
