"""Simulated respondents for Locust: each opens its own personal link, then autosaves answers as
HTMX does, with short pauses, and now and then reloads a page (resume).

Run by ``tests/benchmarks/load`` as ``locust --headless -f locustfile.py`` with two settings in
the environment: ``LOAD_PLAN`` (a JSON file: tokens, question codes with valid form values, page
count) and ``LOAD_LOG`` (where the client's record of every autosave goes when Locust stops).

The record is what the tests compare with the database: per request the token, the question
(empty for a page view), the values sent, the HTTP status (0: no response at all; -1: still under way when Locust stopped), when it started and how long it took, and
for each status other than 200 one response body as a sample. Requests of one respondent are
sequential, so per answer the last acknowledged (2xx) value is the one the database must hold.
"""

import json
import os
import random
import re
import time
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115  # read once at import
TOKENS = iter(PLAN["tokens"])
CODES = list(PLAN["questions"])
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')
WAIT = [float(s) for s in os.environ.get("LOAD_WAIT", "0.1,0.5").split(",")]

CUT_OFF = -1  # the status of a request still under way when Locust stopped
RECORD: list[Any] = []  # [token, question code or "", values, status, started, seconds]
CLOSED = False  # set when the record is written: a respondent still running then sends nothing more
SAMPLES: dict[str, str] = {}  # "503 autosave" → a response body


def note(status: int, kind: str, body: str) -> None:
    """Keep the first body of each status and kind of request, to show what a failure looked like."""
    key = f"{status} {kind}"
    if key not in SAMPLES:
        SAMPLES[key] = body[:2000]


class Respondent(FastHttpUser):
    wait_time = between(*WAIT)
    # Long enough that a request the client gives up on has certainly ended on the server too, so
    # no late write can land after the client's next save of the same answer.
    network_timeout = 90.0
    connection_timeout = 90.0

    def on_start(self) -> None:
        self.token = next(TOKENS)
        self.csrf = ""
        self.open_link()

    def open_link(self) -> None:
        """The start page (creates the response), then page 1 for the form's CSRF token."""
        started = time.time()
        with self.client.get(f"/s/{self.token}", name="/s/[token]", catch_response=True) as start:
            RECORD.append((self.token, "", [], int(start.status_code or 0), started, time.time() - started))
            if start.status_code != 200:
                note(start.status_code, "page", start.text or "")
                start.failure(f"start page: {start.status_code}")
                return
        number = random.randint(1, PLAN["pages"])
        started = time.time()
        with self.client.get(f"/s/{self.token}/p/{number}", name="/s/[token]/p/[n]", catch_response=True) as page:
            RECORD.append((self.token, "", [], int(page.status_code or 0), started, time.time() - started))
            match = CSRF_INPUT.search(page.text or "")
            if page.status_code != 200 or match is None:
                note(page.status_code, "page", page.text or "")
                page.failure(f"page: {page.status_code}")
                return
            self.csrf = match.group(1)

    @task(20)
    def autosave(self) -> None:
        if not self.csrf:
            self.open_link()
            return
        code = random.choice(CODES)
        values = random.choice(PLAN["questions"][code])
        body = urlencode({f"q-{code}": values}, doseq=True)
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "hx-request": "true",
            "hx-target": f"status-{code}",
            "x-csrftoken": self.csrf,
        }
        if CLOSED:
            raise StopUser
        started = time.time()
        # Recorded before it is sent: a request cut off when Locust stops may still have been saved.
        entry: list[Any] = [self.token, code, values, CUT_OFF, started, 0.0]
        RECORD.append(entry)
        with self.client.post(
            f"/s/{self.token}/answer/{code}",
            data=body,
            headers=headers,
            name="/s/[token]/answer/[code]",
            catch_response=True,
        ) as response:
            status = int(response.status_code or 0)
            entry[3:] = [status, started, time.time() - started]
            if 200 <= status < 300:
                response.success()
            else:
                note(status, "autosave", response.text or str(getattr(response, "error", "")))
                response.failure(f"autosave: {status}")

    @task(1)
    def reload_page(self) -> None:
        """Resume: the page again, with the answers so far."""
        self.open_link()


@events.quitting.add_listener
def write_record(**_: Any) -> None:
    global CLOSED  # one flag for every simulated respondent of this process
    CLOSED = True
    with open(os.environ["LOAD_LOG"], "w", encoding="utf-8") as out:
        json.dump({"requests": RECORD, "samples": SAMPLES}, out)
