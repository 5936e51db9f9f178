"""Courses of action: the list per goal, one action with its updates, milestones and links, and
the forms to create, edit, update, link and close them."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.action_progress import (
    DIRECTIONS,
    LINK_FIELDS,
    MILESTONE_FIELDS,
    UPDATE_FIELDS,
    add_link,
    add_milestone,
    late_milestones,
    link_key,
    load_links,
    load_updates,
    measure_choices,
    past_due,
    post_update,
    remove_link,
    set_milestone_done,
    strategy_measures,
    update_overdue,
    updates_by_action,
)
from indicators.actions import (
    ACTION_FIELDS,
    STATUS_LABELS,
    action_choices,
    action_views,
    close_action,
    create_action,
    form_from_action,
    goals_for_new_action,
    manageable_action,
    new_action_form,
    readable_action,
    readable_unit_id,
    strategy_actions,
    strategy_of,
    update_action,
)
from indicators.models import ActionStatus, Goal, Strategy
from indicators.strategy_tree import current_strategy, find_strategy, list_strategies
from maturity.audit.services import Actor
from maturity.auth.models import Role, User
from maturity.errors import N_, NotFound, Problem
from maturity.forms import FormState, InvalidForm
from maturity.guards import requires_leader, requires_login
from maturity.web import flash, redirect, render, t


def _today() -> Any:
    return datetime.now(UTC).date()


class ActionController(Controller):
    path = "/actions"
    guards = [requires_login]
    include_in_schema = False

    @get("/", name="actions.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
        strategy: FromQuery[str | None] = None,
        unit: FromQuery[str | None] = None,
    ) -> Template:
        if unit:
            readable_unit_id(db_session, user, unit)  # an unknown unit or one outside the reader's: 404
        chosen = find_strategy(db_session, strategy) if strategy else current_strategy(db_session)
        if chosen is None or chosen.id is None:
            if strategy:
                raise NotFound(strategy)
            return render(request, "indicators/pages/no_strategy.html", {})
        actions = strategy_actions(db_session, user, chosen.id, unit)
        views = action_views(db_session, user, actions)
        updates = updates_by_action(db_session, actions)
        today = _today()
        goals = goals_for_new_action(db_session, chosen.id)
        context = {
            "strategy": chosen,
            "strategies": list_strategies(db_session),
            "goals": [(g, [v for v in views if v.goal.id == g.id]) for g in goals],
            "updates": updates,
            "overdue": {a.id: update_overdue(a, updates.get(a.id or 0, []), today) for a in actions},
            "past_due": {a.id: past_due(a, today) for a in actions},
            "late": {v.action.id: late_milestones(v.milestones, today) for v in views},
            "status_labels": STATUS_LABELS,
            "unit": unit,
            "may_plan": user.has_role(Role.STRATEGY_OFFICE) or bool(user.led_unit_ids),
        }
        return render(request, "indicators/pages/actions.html", context)

    @get("/mine", name="actions.mine", sync_to_thread=False)
    def mine(self, request: HTMXRequest) -> Response[Any]:
        """The follow-up the person owes is on My updates, with the rest of what they owe."""
        return redirect(request, request.app.route_reverse("updates.mine"))

    @get("/{action_id:int}", name="actions.show", sync_to_thread=True)
    def show(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Template:
        return self._page(request, db_session, user, action_id, {})

    def _page(
        self,
        request: HTMXRequest,
        db_session: Session,
        user: User,
        action_id: int,
        states: dict[str, FormState],
        status_code: int = 200,
    ) -> Template:
        action = readable_action(db_session, user, action_id)
        (view,) = action_views(db_session, user, [action])
        strategy = strategy_of(db_session, action)
        measures = strategy_measures(db_session, strategy)
        by_key = {m.key: m for m in measures}
        links = [(link, by_key.get(link_key(link, measures))) for link in load_links(db_session, [action_id])]
        updates = load_updates(db_session, action_id)
        today = _today()
        context = {
            "view": view,
            "strategy": strategy,
            "updates": updates,
            "links": links,
            "overdue": update_overdue(action, updates, today),
            "past_due": past_due(action, today),
            "late": late_milestones(view.milestones, today),
            "status_labels": STATUS_LABELS,
            "direction_labels": {c.value: c.label for c in DIRECTIONS},
            "update_fields": UPDATE_FIELDS,
            "update_state": states.get("update", FormState({"update_status": action.status})),
            "milestone_fields": MILESTONE_FIELDS,
            "milestone_state": states.get("milestone", FormState()),
            "link_fields": LINK_FIELDS,
            "link_state": states.get("link", FormState({"direction": "increase"})),
            "link_choices": measure_choices(measures),
        }
        return render(request, "indicators/pages/action.html", context, status_code=status_code)

    def _write_on_page(
        self,
        request: HTMXRequest,
        db_session: Session,
        user: User,
        action_id: int,
        form: str,
        write: Callable[[], object],
        saved: str,
    ) -> Response[Any] | Template:
        """One of the forms on an action's page: written, then back to the page saying ``saved``
        (marked with ``N_``); or the page again with that form's problems (422), nothing written."""
        try:
            write()
        except InvalidForm as exc:
            return self._page(request, db_session, user, action_id, {form: exc.state}, 422)
        flash(request, t(request, saved), "success")
        return redirect(request, request.app.route_reverse("actions.show", action_id=action_id))

    def _form_page(
        self,
        request: HTMXRequest,
        db_session: Session,
        user: User,
        state: FormState,
        *,
        goal: Goal,
        action_id: int | None = None,
        dimension: str | None = None,
        status_code: int = 200,
    ) -> Template:
        strategy = db_session.get_one(Strategy, goal.strategy_id)
        if action_id is None:
            action_url = request.app.route_reverse("actions.create") + f"?goal={goal.id}"
            if dimension:
                action_url += "&" + urlencode({"dimension": dimension})
            back = request.app.route_reverse("actions.index") + f"?strategy={strategy.code}"
        else:
            action_url = request.app.route_reverse("actions.update", action_id=action_id)
            back = request.app.route_reverse("actions.show", action_id=action_id)
        context = {
            "goal": goal,
            "strategy": strategy,
            "fields": ACTION_FIELDS,
            "state": state,
            "choices": action_choices(db_session, user),
            "action": action_url,
            "back": back,
            "form_id": "action-form",
            "editing": action_id is not None,
            "dimension": dimension,
        }
        return render(request, "indicators/pages/action_form.html", context, status_code=status_code)

    @get("/new", name="actions.new", guards=[requires_leader], sync_to_thread=True)
    def new(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
        goal: FromQuery[int],
        dimension: FromQuery[str | None] = None,
    ) -> Template:
        found = db_session.get(Goal, goal)
        if found is None:
            raise NotFound(f"goal {goal}")
        return self._form_page(
            request, db_session, user, new_action_form(db_session, user), goal=found, dimension=dimension
        )

    @post("/new", name="actions.create", guards=[requires_leader], sync_to_thread=True)
    def create(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
        goal: FromQuery[int],
        dimension: FromQuery[str | None] = None,
    ) -> Response[Any] | Template:
        """A new action; made from a dimension of a maturity profile, it links to that dimension."""
        try:
            action = create_action(db_session, user, goal, data, Actor.of(user))
            if dimension:
                link = {"measure": f"dimension:{dimension}", "direction": "increase"}
                try:
                    add_link(db_session, user, action.id or 0, link, Actor.of(user))
                except InvalidForm:
                    # not a dimension of this strategy: said above the form (the 422 undoes the action)
                    problem = Problem(N_("Unknown dimension %(value)s."), {"value": dimension}, value=dimension)
                    raise InvalidForm(FormState(dict(data), {"": [problem]})) from None
        except InvalidForm as exc:
            found = db_session.get_one(Goal, goal)
            return self._form_page(
                request, db_session, user, exc.state, goal=found, dimension=dimension, status_code=422
            )
        flash(request, t(request, "Saved."), "success")
        return redirect(request, request.app.route_reverse("actions.show", action_id=action.id))

    @get("/{action_id:int}/edit", name="actions.edit", guards=[requires_leader], sync_to_thread=True)
    def edit(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Template:
        action = manageable_action(db_session, user, action_id)
        goal = db_session.get_one(Goal, action.goal_id)
        return self._form_page(
            request, db_session, user, form_from_action(db_session, action), goal=goal, action_id=action_id
        )

    @post("/{action_id:int}/edit", name="actions.update", guards=[requires_leader], sync_to_thread=True)
    def update(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        try:
            update_action(db_session, user, action_id, data, Actor.of(user))
        except InvalidForm as exc:
            action = manageable_action(db_session, user, action_id)
            goal = db_session.get_one(Goal, action.goal_id)
            return self._form_page(
                request, db_session, user, exc.state, goal=goal, action_id=action_id, status_code=422
            )
        flash(request, t(request, "Saved."), "success")
        return redirect(request, request.app.route_reverse("actions.show", action_id=action_id))

    @post("/{action_id:int}/updates", name="actions.post_update", guards=[requires_leader], sync_to_thread=True)
    def post_update(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def write() -> object:
            return post_update(db_session, user, action_id, data, Actor.of(user))

        return self._write_on_page(
            request, db_session, user, action_id, "update", write, N_("The progress update is saved.")
        )

    @post("/{action_id:int}/milestones", name="actions.add_milestone", guards=[requires_leader], sync_to_thread=True)
    def add_milestone(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def write() -> object:
            return add_milestone(db_session, user, action_id, data, Actor.of(user))

        return self._write_on_page(request, db_session, user, action_id, "milestone", write, N_("Saved."))

    @post(
        "/{action_id:int}/milestones/{milestone_id:int}",
        name="actions.milestone_done",
        guards=[requires_leader],
        sync_to_thread=True,
    )
    def milestone_done(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        milestone_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        done = data.get("done") == "1"
        set_milestone_done(db_session, user, action_id, milestone_id, done, Actor.of(user))
        return redirect(request, request.app.route_reverse("actions.show", action_id=action_id))

    @post("/{action_id:int}/links", name="actions.add_link", guards=[requires_leader], sync_to_thread=True)
    def add_link(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def write() -> object:
            return add_link(db_session, user, action_id, data, Actor.of(user))

        return self._write_on_page(request, db_session, user, action_id, "link", write, N_("Saved."))

    @post(
        "/{action_id:int}/links/{link_id:int}/delete",
        name="actions.remove_link",
        guards=[requires_leader],
        sync_to_thread=True,
    )
    def remove_link(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        link_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        remove_link(db_session, user, action_id, link_id, Actor.of(user))
        flash(request, t(request, "The link is removed."), "success")
        return redirect(request, request.app.route_reverse("actions.show", action_id=action_id))

    @post("/{action_id:int}/close", name="actions.close", guards=[requires_leader], sync_to_thread=True)
    def close(
        self,
        request: HTMXRequest,
        action_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        status = str(data.get("status", ""))
        try:
            close_action(db_session, user, action_id, status, Actor.of(user))
        except InvalidForm:
            flash(request, t(request, "Choose one of the options."), "error")
            return redirect(request, request.app.route_reverse("actions.show", action_id=action_id))
        if status == ActionStatus.DONE:
            flash(request, t(request, "The action is marked done."), "success")
        else:
            flash(request, t(request, "The action is stopped."), "success")
        return redirect(request, request.app.route_reverse("actions.show", action_id=action_id))
