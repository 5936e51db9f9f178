"""The composition root: the one place that knows every package."""

import gc
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import SQLAlchemyError

from indicators.action_controllers import ActionController
from indicators.api import API_BODIES, KpiRecordApi
from indicators.api_auth import state_closed_bodies
from indicators.controllers import DefinitionController, StrategyController
from indicators.dashboard_controllers import DashboardController, OverviewController
from indicators.glossary_controllers import GlossaryController
from indicators.home import indicator_tasks
from indicators.navigation import INDICATOR_NAVIGATION
from indicators.owner_controllers import KpiOwnerController
from indicators.record_controllers import KpiController
from indicators.score_api import ScoresApi
from indicators.score_cache import ScoreCache
from indicators.unit_target_controllers import UnitTargetController
from maturity.audit.controllers import AuditController
from maturity.auth.controllers import LoginController
from maturity.auth.middleware import RequestContextMiddleware
from maturity.auth.oidc import OidcClient
from maturity.auth.oidc_controllers import SignInController
from maturity.auth.token_controllers import ApiTokenController
from maturity.controllers import AdministrationController, HomeController
from maturity.db import Database, close_request_session, commit_request_transaction, finish_request_transaction
from maturity.deps import DEPENDENCIES
from maturity.errors import NotFound
from maturity.forms import check_typed_form
from maturity.int_params import refuse_ids_beyond_the_database
from maturity.jobs import LocalRunner, Runtime, uses_procrastinate
from maturity.navigation import SHELL_NAVIGATION
from maturity.people.controllers import PeopleController
from maturity.settings import Settings
from maturity.units.controllers import MyUnitController, UnitController
from maturity.web import (
    DATABASE_UNAVAILABLE,
    MEGABYTE,
    STATIC_DIR,
    TEMPLATE_DIRS,
    add_security_headers,
    configure_templates,
    error_response,
    write_flash_cookie,
)
from reports.batch_jobs import resume_open_batches
from reports.controllers import ReportBatchController, ReportController
from reports.home import report_tasks
from reports.navigation import REPORT_NAVIGATION
from reports.on_demand import PdfRenderer
from reports.tasks import RENDER_KEY
from reports.update_controllers import UpdatesController
from surveys.answering import AlreadySubmitted, RoundClosed
from surveys.builder_controllers import SurveyBuilderController
from surveys.controllers import (
    AnswerController,
    LinkNotValid,
    already_submitted_page,
    link_not_valid_page,
    round_closed_page,
)
from surveys.home import survey_tasks
from surveys.my_controllers import MySurveysController
from surveys.navigation import SURVEY_NAVIGATION
from surveys.question_controllers import QuestionBuilderController
from surveys.results_controllers import ResultsController
from surveys.round_admin_controllers import RoundAdminController, SurveyPreviewController
from surveys.round_controllers import SurveyRoundController

log = logging.getLogger("maturity")


async def before_every_request(request: Request[Any, Any, Any]) -> None:
    """Checks every route shares, before its handler reads anything."""
    await refuse_ids_beyond_the_database(request)
    await check_typed_form(request)


def create_app(settings: Settings, *, db: Database | None = None) -> Litestar:
    """Build the app. ``db`` lets tests hand in a database bound to their own transaction."""
    database = db or Database.from_url(settings.database_url, pool_size=settings.db_pool_size)
    owns_database = db is None
    local_tasks = not uses_procrastinate(settings)
    # Its worker processes start with the app, or on the first PDF in tests; with the local task
    # runner they render the batches' reports too, one process per runner thread.
    pdf_renderer = PdfRenderer(workers=settings.local_task_threads if local_tasks else 1)
    navigation = sorted(
        [*SHELL_NAVIGATION, *SURVEY_NAVIGATION, *INDICATOR_NAVIGATION, *REPORT_NAVIGATION], key=lambda item: item.order
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        # What start-up made (modules, templates, the app) lives as long as the process: moved out
        # of the collector's sight, a full collection no longer walks some 100 000 objects and stalls
        # requests for tens of milliseconds (measured with the autosave benchmark).
        if settings.mode != "test":
            gc.collect()
            gc.freeze()
            pdf_renderer.start()
        from maturity.all_tasks import queue_for

        runtime = Runtime(settings, database)
        runtime.cache[RENDER_KEY] = pdf_renderer
        queue = queue_for(runtime, threads=settings.local_task_threads)
        app.state.queue = queue
        if isinstance(queue, LocalRunner):
            try:
                resume_open_batches(database, queue)  # what this process's predecessor left undone
            except SQLAlchemyError:  # the database is down: the app starts anyway (/healthz says so)
                log.exception("open report batches could not be resumed")
        try:
            yield
        finally:
            queue.close()
            pdf_renderer.close()
            if owns_database:
                database.dispose()

    async def after_response(request: Request[Any, Any, Any]) -> None:
        await close_request_session(request.scope)

    app = Litestar(
        route_handlers=[
            HomeController,
            AdministrationController,
            LoginController,
            SignInController,
            UnitController,
            MyUnitController,
            PeopleController,
            ApiTokenController,
            KpiRecordApi,
            ScoresApi,
            DashboardController,
            OverviewController,
            GlossaryController,
            UnitTargetController,
            StrategyController,
            ActionController,
            DefinitionController,
            KpiController,
            KpiOwnerController,
            AuditController,
            AnswerController,
            MySurveysController,
            ResultsController,
            SurveyRoundController,
            ReportController,
            UpdatesController,
            ReportBatchController,
            SurveyBuilderController,
            QuestionBuilderController,
            SurveyPreviewController,
            RoundAdminController,
            create_static_files_router(
                path="/static",
                directories=[STATIC_DIR],
                name="static",
                cache_control=CacheControlHeader(max_age=3600),
                include_in_schema=False,
            ),
        ],
        dependencies=DEPENDENCIES,
        middleware=[RequestContextMiddleware(database, settings)],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=["^/api/"],  # the API authenticates with bearer tokens, not cookies
        ),
        template_config=TemplateConfig(
            directory=TEMPLATE_DIRS, engine=JinjaTemplateEngine, engine_callback=configure_templates
        ),
        plugins=[HTMXPlugin()],
        before_request=before_every_request,
        after_request=commit_request_transaction,
        before_send=[finish_request_transaction, write_flash_cookie, add_security_headers],
        after_response=after_response,
        exception_handlers={
            RoundClosed: round_closed_page,
            AlreadySubmitted: already_submitted_page,
            LinkNotValid: link_not_valid_page,
            NotFound: error_response,
            HTTPException: error_response,
            Exception: error_response,
        },
        openapi_config=OpenAPIConfig(
            title="Maturity API",
            version="1",
            path="/api/schema",
            # Only the JSON document: the HTML viewers load scripts from CDNs, which we never do.
            render_plugins=[JsonRenderPlugin()],
            security=[{"BearerToken": []}],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API token issued by the strategy office: Authorization: Bearer mty_…",
                    )
                }
            ),
        ),
        logging_config=LoggingConfig(
            log_exceptions="always",
            # A database outage is one line per request (see web.error_response), not a stack trace each.
            disable_stack_trace={400, 401, 403, 404, 405, 422, 429, 503, NotFound, *DATABASE_UNAVAILABLE},
        ),
        lifespan=[lifespan],
        state=State(
            {
                "db": database,
                "settings": settings,
                "navigation": navigation,
                "home_sources": [survey_tasks, indicator_tasks, report_tasks],
                "pdf_renderer": pdf_renderer,
                "oidc": OidcClient(settings) if settings.oidc_enabled else None,
                "queue": None,  # set when the app starts (lifespan)
                "score_cache": ScoreCache(database),  # scores of a period until a write changes them
            }
        ),
        # Any request, files included: above it the server answers 413 before reading on, in the same
        # words as a file's own check (maturity.web._too_large); each upload form states its own limit.
        request_max_body_size=10 * MEGABYTE,
        debug=False,
    )
    state_closed_bodies(app.openapi_schema, API_BODIES)
    return app


def app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory maturity.app:app_from_env`` (several worker processes)."""
    return create_app(Settings.from_env())
