"""The glossary: the words of scores, pace and targets in plain language, linked from every
"how this was computed"."""

from litestar import Controller, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from maturity.web import render


class GlossaryController(Controller):
    path = "/glossary"
    include_in_schema = False

    @get("/", name="glossary", sync_to_thread=False)
    def index(self, request: HTMXRequest) -> Template:
        return render(request, "indicators/pages/glossary.html", {})
