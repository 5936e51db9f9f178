"""The forms of the app, as a browser finds them: every page of every GET route (``routes.py``) is
opened and each ``<form method="post">`` on it read — its action and its fields with the values a
browser would send. A new form is found the day its page shows it."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from litestar import Litestar
from litestar.testing import TestClient

from indicators.editing import KINDS
from tests.security.routes import Route, routes

# Fields a browser fills in itself or that carry the form's credentials, never typed by a person.
NOT_TYPED = frozenset({"_csrf_token"})
TYPED_INPUTS = frozenset({"text", "search", "email", "number", "date", "datetime-local", "url", "tel", "password"})


@dataclass
class FormField:
    name: str
    kind: str  # an input's type, "textarea" or "select"
    value: str

    @property
    def typed(self) -> bool:
        """A field a person types into (not a hidden field, a choice or a button)."""
        return self.kind in TYPED_INPUTS or self.kind == "textarea"


@dataclass
class Form:
    page: str
    action: str
    fields: list[FormField] = field(default_factory=list)
    has_file: bool = False

    def data(self) -> dict[str, str]:
        """What a browser sends as the form stands (the first option of a select, checked boxes only)."""
        return {f.name: f.value for f in self.fields}


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.textarea: FormField | None = None
        self.select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.current = Form(self.page, a.get("action") or self.page.split("?")[0])
            return
        if self.current is None or "name" not in a or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                self.current.has_file = True
            elif kind in ("checkbox", "radio"):
                if "checked" in a and not any(f.name == a["name"] for f in self.current.fields):
                    self.current.fields.append(FormField(a["name"], kind, a.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image"):
                self.current.fields.append(FormField(a["name"], kind, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = FormField(a["name"], "textarea", "")
            self.current.fields.append(self.textarea)
        elif tag == "select":
            self.select = FormField(a["name"], "select", "")
            self.current.fields.append(self.select)
        elif tag == "option" and self.select is not None and (not self.select.value or "selected" in a):
            self.select.value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def forms_on(html: str, page: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


def _pages(route: Route, token: str, samples: Mapping[str, str]) -> Iterator[str]:
    if "kind" in route.path_params:
        for kind in KINDS:
            yield route.url(**samples, token=token, kind=kind)
    else:
        yield route.url(**samples, token=token)


def discover(
    client: TestClient[Litestar], app: Litestar, token: str, samples: Mapping[str, str] | None = None
) -> list[Form]:
    """Every POST form on every page the client can open, once per action and set of field names;
    ``samples``: path parameter values instead of the usual samples (another survey's ids)."""
    found: dict[tuple[str, tuple[str, ...]], Form] = {}
    for route in routes(app):
        if route.method != "GET" or route.is_api or route.path.startswith("/static"):
            continue
        query = "&".join(f"{k}={v}" for k, v in route.query().items())
        for page in _pages(route, token, samples or {}):
            url = page + (f"?{query}" if query else "")
            response = client.get(url, follow_redirects=False)
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            for form in forms_on(response.text, url):
                key = (form.action, tuple(sorted(f.name for f in form.fields)))
                found.setdefault(key, form)
    return list(found.values())
