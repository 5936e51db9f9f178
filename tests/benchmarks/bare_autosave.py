"""The yardstick of the autosave benchmark: a bare Litestar app whose one endpoint does the same
upsert as the real autosave, with one raw SQL statement.

No middleware, no CSRF check, no ORM, no template: the request's form body goes straight into
an ``INSERT … SELECT … ON CONFLICT DO UPDATE`` that finds the response by its resume hash and the
question by its code, checks that the round is open, computes the score and replaces the answer.
It runs on the same server (uvicorn, same worker count), in a worker thread like the real
handlers, with the same engine and pool settings (``maturity.db.make_engine``).

Serve with ``uvicorn --factory tests.benchmarks.bare_autosave:create_app`` and the real app's
``MATURITY_DATABASE_URL``, ``MATURITY_SECRET_KEY`` and ``MATURITY_DB_POOL_SIZE``.
"""

import os

from litestar import Litestar, MediaType, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from sqlalchemy import Engine

from maturity.db import make_engine
from surveys.invitations import resume_key, token_hash

UPSERT = """
INSERT INTO answer (response_id, question_id, not_applicable, number, option, options, text, score, updated_at)
SELECT r.id, q.id, %(na)s, %(number)s, NULL, NULL, NULL,
       CASE WHEN %(number)s::float IS NULL THEN NULL
            WHEN q.reverse THEN 100 - (%(number)s::float - 1) * 25
            ELSE (%(number)s::float - 1) * 25 END,
       now()
FROM response r
JOIN survey_round sr ON sr.id = r.round_id
JOIN question q ON q.survey_id = sr.survey_id AND q.code = %(code)s
WHERE r.resume_hash = %(key)s AND sr.closed_at IS NULL AND sr.opens_at <= now() AND now() < sr.closes_at
ON CONFLICT (response_id, question_id) DO UPDATE SET
    not_applicable = excluded.not_applicable, number = excluded.number, option = NULL, options = NULL,
    text = NULL, score = excluded.score, updated_at = excluded.updated_at
"""

OPEN = """
INSERT INTO response (round_id, unit_id, group_id, status, resume_hash, started_at, updated_at)
SELECT round_id, unit_id, group_id, 'draft', %(key)s, now(), now() FROM invitation WHERE token_hash = %(hash)s
ON CONFLICT (resume_hash) DO NOTHING
"""

PAGE = """<!doctype html><html><body hx-headers='{"x-csrftoken": "none"}'><p>Page 1</p></body></html>"""


def create_app() -> Litestar:
    engine: Engine = make_engine(
        os.environ["MATURITY_DATABASE_URL"], pool_size=int(os.environ["MATURITY_DB_POOL_SIZE"])
    )
    secret = os.environ["MATURITY_SECRET_KEY"]

    @get("/s/{token:str}/p/1", sync_to_thread=True)
    def open_link(token: FromPath[str]) -> Response[str]:
        with engine.begin() as connection:
            connection.exec_driver_sql(OPEN, {"key": resume_key(secret, token), "hash": token_hash(token)})
        return Response(PAGE, media_type=MediaType.HTML)

    @post("/s/{token:str}/answer/{code:str}", sync_to_thread=True)
    def autosave(token: FromPath[str], code: FromPath[str], data: URLEncodedBody[dict[str, str]]) -> Response[str]:
        value = data.get(f"q-{code}", "")
        if value not in {"1", "2", "3", "4", "5", "na"}:
            return Response("Choose one of the options.", status_code=422, media_type=MediaType.HTML)
        params = {
            "na": value == "na",
            "number": None if value == "na" else float(value),
            "code": code,
            "key": resume_key(secret, token),
        }
        with engine.begin() as connection:
            saved = connection.exec_driver_sql(UPSERT, params).rowcount
        if saved != 1:
            return Response("Not found", status_code=404, media_type=MediaType.HTML)
        return Response("Saved", status_code=200, media_type=MediaType.HTML)

    return Litestar(route_handlers=[open_link, autosave], on_shutdown=[engine.dispose], debug=False)
