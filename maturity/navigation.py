"""The main navigation. Each package contributes its entries; app.py assembles the list."""

from dataclasses import dataclass

from maturity.auth.models import Role, User
from maturity.errors import N_
from maturity.web import Viewer


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str  # message id, translated when shown
    route: str  # route name for url_for
    roles: frozenset[Role]  # who sees it; empty means every logged-in user
    order: int  # place in the menu; packages pick numbers between the shell's
    covers: tuple[str, ...] = ()  # route names of other pages it is the entry of (marked current there)

    def visible_to(self, user: User | Viewer | None) -> bool:
        if user is None:
            return False
        return not self.roles or any(user.has_role(role) for role in self.roles)


SHELL_NAVIGATION = [
    NavItem(N_("Home"), "home", frozenset(), 0),
    NavItem(N_("Units"), "units.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 50),
    NavItem(N_("My unit"), "units.mine", frozenset({Role.STAFF}), 60),
    NavItem(
        N_("Administration"),
        "admin.index",
        frozenset({Role.STRATEGY_OFFICE}),
        80,
        covers=("users.index", "api_tokens.index", "audit.index"),
    ),
]
