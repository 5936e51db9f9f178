"""The composition root: the app-level request hooks reach every route.

Litestar resolves ``before_request``, ``after_request`` and ``after_response`` to the one set
closest to the handler, so a controller, router or route that sets its own silently drops the
app's: no 404 for ids beyond 64 bits, no commit at the request boundary, a session never closed.
"""

from typing import Any

from litestar import Controller, Litestar, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.types import AnyCallable

HOOKS = ("before_request", "after_request", "after_response")


def handlers_not_using_the_apps_hooks(app: Litestar) -> list[str]:
    """``path handler: hook`` for every route handler where a layer below the app sets a hook.

    Litestar takes each hook from the last of the handler's ownership layers (app, routers,
    controller, handler) that sets it, as ``resolve_before_request`` and ``get_response_handler`` do.
    """
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            assert isinstance(handler, HTTPRouteHandler)
            for hook in HOOKS:
                setters = [layer for layer in handler.ownership_layers if getattr(layer, hook, None)]
                if setters[-1:] != [app]:
                    found.append(f"{route.path} {handler.handler_name}: {hook}")
    return found


class TestRequestHooks:
    def test_the_app_sets_each_hook(self, app: Litestar) -> None:
        assert all(getattr(app, hook) is not None for hook in HOOKS)

    def test_every_route_handler_runs_the_apps_hooks(self, app: Litestar) -> None:
        assert handlers_not_using_the_apps_hooks(app) == []

    def test_a_controller_with_its_own_hook_is_found(self) -> None:
        async def app_hook(_: Request[Any, Any, Any]) -> None:
            return None

        async def app_after_request(response: Response[Any]) -> Response[Any]:
            return response

        async def own_hook(_: Request[Any, Any, Any]) -> None:
            return None

        class Own(Controller):
            path = "/own"
            before_request: AnyCallable | None = own_hook

            @get("/", sync_to_thread=False)
            def index(self) -> str:
                return ""

        class Plain(Controller):
            path = "/plain"

            @get("/", sync_to_thread=False)
            def index(self) -> str:
                return ""

        toy = Litestar(
            route_handlers=[Own, Plain],
            before_request=app_hook,
            after_request=app_after_request,
            after_response=app_hook,
        )
        found = handlers_not_using_the_apps_hooks(toy)
        assert "/own index: before_request" in found
        assert {line.split()[0] for line in found} == {"/own"}  # its automatic OPTIONS handler too
