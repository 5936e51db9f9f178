"""The JSON API for KPI records: institutional systems read and send values with a bearer token.

A token reaches the records of its units and everything below them; a unit outside that part
of the organisation is answered exactly like a unit that does not exist. A batch of records is
written all or nothing, like a CSV import.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import JSONBody, QueryParameter
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from indicators.api_auth import ERRORS, ERRORS_AND_UNKNOWN_UNIT, ApiClient, ProblemOut, TokenApi, api_locale
from indicators.models import Kpi, KpiRecord
from indicators.recording import record_values
from indicators.records import MAX_NOTE, MAX_SOURCE, RecordInput, check_records
from maturity import i18n
from maturity.auth.tokens import actor_for
from maturity.errors import N_, InvalidInput
from maturity.forms import CODE_PATTERN, NO_CONTROL_CHARACTERS, normalise_text
from maturity.periods import PERIOD_PATTERN, Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, get_unit

MAX_RECORDS = 10_000
MAX_PAGE = 1000
# The largest integer a JSON client holds exactly (a double): the schema's maximum is then the
# server's, where 2**63 - 1 read as a double would admit values the databases cannot bind.
MAX_OFFSET = 2**53 - 1
CODE = CODE_PATTERN.pattern
_PERIOD = "2024, 2024-S1, 2024-T2, 2024-Q3 or 2024-03, in the KPI's frequency"


# --- schemas --------------------------------------------------------------------------------


class RecordIn(msgspec.Struct, forbid_unknown_fields=True):
    """One value of a KPI for a unit and period."""

    kpi: Annotated[str, msgspec.Meta(pattern=CODE, description="The KPI's code.", examples=["K01"])]
    unit: Annotated[str, msgspec.Meta(pattern=CODE, description="The unit's code.", examples=["FAC-A"])]
    period: Annotated[
        str, msgspec.Meta(pattern=PERIOD_PATTERN, description=f"The period: {_PERIOD}.", examples=["2024"])
    ]
    value: Annotated[
        float | None,
        msgspec.Meta(
            description=(
                "The value. A count (a sum KPI shown without decimals) takes whole numbers. A value below zero "
                "only for a KPI whose definition says it may be negative (a result in money, say); a share, a "
                "yes/no KPI and a count are not. For a share KPI it may be left out: it is "
                "numerator / denominator · 100."
            )
        ),
    ] = None
    numerator: Annotated[float | None, msgspec.Meta(description="Share KPIs only: the count measured.")] = None
    denominator: Annotated[float | None, msgspec.Meta(description="Share KPIs only: the count of all (above 0).")] = (
        None
    )
    source: Annotated[
        str,
        msgspec.Meta(
            max_length=MAX_SOURCE,
            pattern=NO_CONTROL_CHARACTERS,
            description="Where the value comes from. No control characters other than tab and line breaks.",
        ),
    ] = ""
    note: Annotated[
        str,
        msgspec.Meta(
            max_length=MAX_NOTE,
            pattern=NO_CONTROL_CHARACTERS,
            description="A remark shown with the value. No control characters other than tab and line breaks.",
        ),
    ] = ""


class RecordBatch(msgspec.Struct, forbid_unknown_fields=True):
    """Values to record, all or nothing."""

    records: Annotated[
        list[RecordIn], msgspec.Meta(max_length=MAX_RECORDS, description=f"At most {MAX_RECORDS} values.")
    ]


API_BODIES = (RecordBatch, RecordIn)  # what callers send: no field beyond those described


class RecordOut(msgspec.Struct):
    """The current revision of a KPI value."""

    kpi: str
    unit: str
    period: str
    value: float
    numerator: float | None
    denominator: float | None
    source: str
    note: str
    revision: Annotated[int, msgspec.Meta(description="1 for the first value; each correction adds one.")]
    recorded_at: Annotated[datetime, msgspec.Meta(description="When this revision was recorded (UTC).")]
    recorded_by: Annotated[str, msgspec.Meta(description="Who recorded it: a person or an API token.")]


class RecordPage(msgspec.Struct):
    """A page of current KPI values, ordered by KPI, unit and period."""

    items: list[RecordOut]
    total: Annotated[int, msgspec.Meta(description="How many values match, on all pages.")]
    limit: int
    offset: int


class RecordCounts(msgspec.Struct):
    """What a batch changed."""

    new: Annotated[int, msgspec.Meta(description="Values recorded for the first time.")]
    changed: Annotated[int, msgspec.Meta(description="Corrections: each became a new revision.")]
    unchanged: Annotated[int, msgspec.Meta(description="Values identical to the current revision; nothing written.")]


class InvalidRecords(msgspec.Struct):
    """The batch was refused and nothing was written."""

    status_code: int
    detail: str
    problems: list[ProblemOut]


def _invalid_records(request: Request[Any, Any, Any], exc: InvalidInput) -> Response[Any]:
    """422 with every problem, located. Returned, not raised: refused input is no server error to log."""
    locale = api_locale(request)
    gettext = i18n.translations(locale).ugettext
    count = len(exc.problems)
    detail = i18n.translate_plural(
        locale,
        "Nothing was recorded: %(num)s problem was found.",
        "Nothing was recorded: %(num)s problems were found.",
        count,
    )
    body = InvalidRecords(
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        detail=detail,
        problems=[ProblemOut(path=p.path, value=p.value, message=p.render(gettext)) for p in exc.problems],
    )
    return Response(body, status_code=HTTP_422_UNPROCESSABLE_ENTITY, media_type="application/json")


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordFilter:
    kpi: str | None = None
    unit_id: int | None = None
    period: str | None = None
    recorded_since: datetime | None = None


def current_records(
    session: Session, scope: UnitScope, flt: RecordFilter, *, limit: int, offset: int
) -> tuple[list[tuple[KpiRecord, str, str]], int]:
    """The current records in ``scope`` matching ``flt``, one page of them, and how many match in all."""
    statement: Select[tuple[KpiRecord, str, str]] = (
        select(KpiRecord, col(Kpi.code), col(OrgUnit.code))
        .join(Kpi, col(Kpi.id) == col(KpiRecord.kpi_id))
        .join(OrgUnit, col(OrgUnit.id) == col(KpiRecord.unit_id))
    )
    if flt.kpi is not None:
        statement = statement.where(col(Kpi.code) == flt.kpi)
    if flt.unit_id is not None:
        statement = statement.where(col(KpiRecord.unit_id) == flt.unit_id)
    if flt.period is not None:
        statement = statement.where(col(KpiRecord.period) == flt.period)
    if flt.recorded_since is not None:
        statement = statement.where(col(KpiRecord.recorded_at) >= flt.recorded_since)
    statement = scope.filter(statement, KpiRecord.unit_id)
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    page = statement.order_by(col(Kpi.code), col(OrgUnit.code), col(KpiRecord.period)).offset(offset).limit(limit)
    return list(session.execute(page).tuples()), total


# --- the controller -------------------------------------------------------------------------

_INVALID_EXAMPLE = Example(
    summary="An unknown unit",
    value={
        "status_code": 422,
        "detail": "Nothing was recorded: 1 problem was found.",
        "problems": [{"path": "records[3].unit", "value": "X", "message": "Unknown unit X."}],
    },
)


class KpiRecordApi(TokenApi):
    path = "/api/kpi-records"
    tags = ["KPI records"]

    @route("/", http_method=[HttpMethod.OPTIONS], name="api.kpi_records.options", include_in_schema=False)
    async def allowed_methods(self, request: Request[Any, Any, Any]) -> Response[None]:
        """The methods this path takes, as the description states them. Litestar's own OPTIONS answer
        names only the methods of the first handler registered on a path (GET here), not POST."""
        methods = {
            method
            for r in request.app.routes
            if isinstance(r, HTTPRoute) and r.path == self.path
            for method in r.methods
            if method != "HEAD"
        }
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": ", ".join(sorted(methods))})

    @get(
        "/",
        name="api.kpi_records.list",
        sync_to_thread=True,
        summary="Read current KPI values",
        response_description="One page of current values.",
        description=(
            "The current revision of every KPI value in the token's units and the units below them, "
            "ordered by KPI, unit and period. A unit outside the token's reach is answered like an unknown one: 404."
        ),
        responses=ERRORS_AND_UNKNOWN_UNIT,
    )
    def list_records(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[Session],
        api_client: NamedDependency[ApiClient],
        kpi: Annotated[str | None, QueryParameter(pattern=CODE, description="Only this KPI (code).")] = None,
        unit: Annotated[
            str | None,
            QueryParameter(pattern=CODE, description="Only this unit (code); the units below it are not included."),
        ] = None,
        period: Annotated[
            str | None, QueryParameter(pattern=PERIOD_PATTERN, description=f"Only this period: {_PERIOD}.")
        ] = None,
        since: Annotated[
            date | None, QueryParameter(description="Only values recorded on or after this day (from 00:00 UTC).")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Values per page.")] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Values to skip.")] = 0,
    ) -> RecordPage:
        if period is not None:
            try:
                period = str(Period.parse(period))
            except ValueError:
                message = N_("Not a period; write 2024, 2024-S1, 2024-T2, 2024-Q3 or 2024-03.")
                raise ValidationException(detail=f"period: {i18n.translate(api_locale(request), message)}") from None
        flt = RecordFilter(
            kpi=kpi,
            unit_id=get_unit(db_session, api_client.scope, unit).id if unit is not None else None,
            period=period,
            recorded_since=datetime.combine(since, time(), tzinfo=UTC) if since is not None else None,
        )
        rows, total = current_records(db_session, api_client.scope, flt, limit=limit, offset=offset)
        items = [
            RecordOut(
                kpi=kpi_code,
                unit=unit_code,
                period=record.period,
                value=record.value,
                numerator=record.numerator,
                denominator=record.denominator,
                source=record.source,
                note=record.note,
                revision=record.revision,
                recorded_at=record.recorded_at,
                recorded_by=record.recorded_by_label,
            )
            for record, kpi_code, unit_code in rows
        ]
        return RecordPage(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/",
        name="api.kpi_records.record",
        sync_to_thread=True,
        status_code=200,
        summary="Record KPI values",
        response_description="All values were recorded; how many were new, changed and unchanged.",
        description=(
            f"Records up to {MAX_RECORDS} values, all or nothing: if any value has a problem, nothing is written "
            "and every problem is reported with its place (records[<index>].<field>). A value that differs from "
            "the current one becomes a new revision; the earlier ones are kept. A new or changed value that puts its "
            "KPI at risk needs a short comment in its note, when its strategy asks for one (the default). "
            "A unit outside the token's reach "
            "is reported like an unknown unit. Messages are in English, or in Norwegian with Accept-Language: nb."
        ),
        responses={
            **ERRORS,
            422: ResponseSpec(
                data_container=InvalidRecords,
                description="Problems with the values; nothing was written.",
                generate_examples=False,
                examples=[_INVALID_EXAMPLE],
            ),
        },
    )
    def record(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RecordBatch],
        db_session: NamedDependency[Session],
        api_client: NamedDependency[ApiClient],
    ) -> Response[RecordCounts]:
        items = [
            RecordInput(
                kpi=r.kpi,
                unit=r.unit,
                period=r.period,
                value=r.value,
                numerator=r.numerator,
                denominator=r.denominator,
                source=normalise_text(r.source),
                note=normalise_text(r.note),
                path=f"records[{i}]",
            )
            for i, r in enumerate(data.records)
        ]
        try:
            checked = check_records(db_session, items, api_client.scope)
            # A value at risk without a comment is refused here, before anything is written.
            summary = record_values(db_session, checked, actor_for(api_client.token), via="api")
        except InvalidInput as exc:
            return _invalid_records(request, exc)  # the request boundary rolls back on 422
        return Response(RecordCounts(new=summary.new, changed=summary.changed, unchanged=summary.unchanged))
