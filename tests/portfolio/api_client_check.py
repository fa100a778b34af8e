"""A client developer's script: the typed client generated from /api/schema/ against a live server.

Run by tests/portfolio/test_api_client.py as `python api_client_check.py <base url> <read key> <write key>
<product id>`, with the generated package `demand_desk_client` on PYTHONPATH. Every answer goes through the
generated models (`from_dict`), so a field the schema calls required but the server leaves out, a wrong type
or an undocumented enum value fails here, as it would in a client's code. Prints `ok` at the end.
"""

import sys
from http import HTTPStatus

from demand_desk_client import AuthenticatedClient
from demand_desk_client.api.v1 import (
    portfolio_summary,
    project_get,
    projects_changes,
    projects_list,
    queue_list,
    request_create,
    request_get,
    request_score_get,
    service_unit_costs_list,
    services_list,
)
from demand_desk_client.models import (
    ChangeRequestCreated,
    ChangeRequestInputRequest,
    ChangeRequestOutput,
    CodeEnum,
    Error,
    PaginatedProjectOutputList,
    PaginatedQueueItemList,
    PaginatedServiceOutputList,
    PortfolioSummaryStatusItem,
    ProjectDetail,
    ProjectsListOrderingItem,
    ProjectsListStatusItem,
)
from demand_desk_client.types import UNSET


def expect_error(response, status: HTTPStatus, code: CodeEnum) -> Error:  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, Error), response.parsed
    assert response.parsed.code == code and response.parsed.request_id == response.headers["x-request-id"]
    return response.parsed


def main(base_url: str, read_key: str, write_key: str, product_id: int) -> None:
    reader = AuthenticatedClient(base_url=base_url, token=read_key, prefix="Bearer")
    writer = AuthenticatedClient(base_url=base_url, token=write_key, prefix="Bearer")

    # List, with the rate-limit and cache headers every answer carries.
    first = projects_list.sync_detailed(client=reader)
    assert first.status_code == HTTPStatus.OK and isinstance(first.parsed, PaginatedProjectOutputList)
    assert first.parsed.count >= 5 and first.headers["ratelimit-policy"].startswith('"read"')
    assert first.headers["cache-control"] == "private, no-cache"

    # Filter: repeated values as the client sends them.
    active = projects_list.sync_detailed(client=reader, status=[ProjectsListStatusItem.ACTIVE])
    assert active.parsed.results and all(project.status == "active" for project in active.parsed.results)

    # Multi-key sort, sent as ordering=a&ordering=b by the generated client.
    ordering = [ProjectsListOrderingItem.VALUE_0, ProjectsListOrderingItem.CODE]  # -actual_spend, code
    assert ordering[0].value == "-actual_spend"
    sorted_ = projects_list.sync_detailed(client=reader, ordering=ordering, page_size=200)
    keys = [(-float(project.actual_spend), project.code) for project in sorted_.parsed.results]
    assert keys == sorted(keys), keys

    # Page to the end: every project exactly once.
    codes, page = [], 1
    while True:
        answer = projects_list.sync_detailed(client=reader, page=page, page_size=2)
        codes += [project.code for project in answer.parsed.results]
        if not answer.parsed.next_:
            break
        page += 1
    assert len(codes) == len(set(codes)) == first.parsed.count
    expect_error(
        projects_list.sync_detailed(client=reader, page=page + 1, page_size=2), HTTPStatus.NOT_FOUND, CodeEnum.NOT_FOUND
    )

    # Incremental pull: every project once, in the order they changed, resumed from the cursor.
    pulled, cursor = [], UNSET
    while True:
        changes = projects_changes.sync_detailed(client=reader, cursor=cursor, page_size=2)
        pulled += [project.code for project in changes.parsed.results]
        cursor = changes.parsed.next_cursor
        if not changes.parsed.has_more:
            break
    assert sorted(pulled) == sorted(codes)

    # Fetch one, then 304 with its ETag.
    one = project_get.sync_detailed(client=reader, code=codes[0])
    assert isinstance(one.parsed, ProjectDetail) and one.parsed.code == codes[0]
    again = project_get.sync_detailed(client=reader, code=codes[0], if_none_match=one.headers["etag"])
    assert again.status_code == HTTPStatus.NOT_MODIFIED and not again.content
    summary = portfolio_summary.sync_detailed(client=reader, status=[PortfolioSummaryStatusItem.ACTIVE])
    assert summary.status_code == HTTPStatus.OK and summary.parsed.total.count == active.parsed.count

    # Create, then the idempotent replay, then the same key with another body.
    body = ChangeRequestInputRequest(
        title="Export invoices to SAP",
        description="Every night, export all invoices of the day to our SAP system as IDocs.",
        contact_name="Maria Rossi",
        contact_email="maria@unknown-org.example",
        product=product_id,
    )
    created = request_create.sync_detailed(client=writer, body=body, idempotency_key="client-check-1")
    assert created.status_code == HTTPStatus.CREATED and isinstance(created.parsed, ChangeRequestCreated)
    replay = request_create.sync_detailed(client=writer, body=body, idempotency_key="client-check-1")
    assert replay.status_code == HTTPStatus.OK and replay.parsed.reference == created.parsed.reference
    assert replay.headers["idempotent-replayed"] == "true"
    body.title = "Another demand altogether"
    expect_error(
        request_create.sync_detailed(client=writer, body=body, idempotency_key="client-check-1"),
        HTTPStatus.CONFLICT,
        CodeEnum.IDEMPOTENCY_KEY_REUSED,
    )
    demand = request_get.sync_detailed(client=reader, reference=created.parsed.reference)
    assert isinstance(demand.parsed, ChangeRequestOutput) and demand.parsed.customer is None

    # The triage queue and the services catalogue: typed pages, money with its currency, 304 with the ETag.
    queue = queue_list.sync_detailed(client=reader)
    assert isinstance(queue.parsed, PaginatedQueueItemList)
    assert created.parsed.reference in {row.reference for row in queue.parsed.results}
    assert all(row.currency for row in queue.parsed.results)
    assert queue_list.sync_detailed(client=reader, if_none_match=queue.headers["etag"]).status_code == 304
    catalogue = services_list.sync_detailed(client=reader)
    assert isinstance(catalogue.parsed, PaginatedServiceOutputList)
    assert product_id in {service.id for service in catalogue.parsed.results}
    assert services_list.sync_detailed(client=reader, if_none_match=catalogue.headers["etag"]).status_code == 304
    costs = service_unit_costs_list.sync_detailed(client=reader, service_id=str(product_id))
    assert costs.status_code == HTTPStatus.OK and costs.parsed == []
    again = service_unit_costs_list.sync_detailed(
        client=reader, service_id=str(product_id), if_none_match=costs.headers["etag"]
    )
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    expect_error(
        request_score_get.sync_detailed(client=reader, reference="CR-1999-99999"),
        HTTPStatus.NOT_FOUND,
        CodeEnum.NOT_FOUND,
    )

    # Each error a client can meet, in the one error body.
    expect_error(
        request_create.sync_detailed(client=writer, body=body, idempotency_key="k" * 256),
        HTTPStatus.BAD_REQUEST,
        CodeEnum.IDEMPOTENCY_KEY_INVALID,
    )
    expect_error(projects_list.sync_detailed(client=reader, page=0), HTTPStatus.BAD_REQUEST, CodeEnum.INVALID)
    stranger = AuthenticatedClient(base_url=base_url, token="dd_wrong", prefix="Bearer")
    expect_error(projects_list.sync_detailed(client=stranger), HTTPStatus.UNAUTHORIZED, CodeEnum.AUTHENTICATION_FAILED)
    expect_error(
        request_create.sync_detailed(client=reader, body=body), HTTPStatus.FORBIDDEN, CodeEnum.PERMISSION_DENIED
    )
    expect_error(project_get.sync_detailed(client=reader, code="BT-9999"), HTTPStatus.NOT_FOUND, CodeEnum.NOT_FOUND)
    raw = reader.get_httpx_client()
    for path, status, code in [
        ("/api/v1/projects/?format=xml", HTTPStatus.NOT_ACCEPTABLE, "not_acceptable"),
        ("/api/v1/projects/?_=" + "x" * 9000, HTTPStatus.REQUEST_URI_TOO_LONG, "uri_too_long"),
    ]:
        answer = raw.get(path)
        assert answer.status_code == status and Error.from_dict(answer.json()).code == CodeEnum(code)
    unsupported = writer.get_httpx_client().post(
        "/api/v1/requests/", content=b"a=b", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert Error.from_dict(unsupported.json()).code == CodeEnum.UNSUPPORTED_MEDIA_TYPE
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
