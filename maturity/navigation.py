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

    def visible_to(self, user: User | Viewer | None) -> bool:
        if user is None:
            return False
        return not self.roles or any(user.has_role(role) for role in self.roles)


SHELL_NAVIGATION = [
    NavItem(N_("Home"), "home", frozenset(), 0),
    NavItem(N_("Units"), "units.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 50),
    NavItem(N_("My unit"), "units.mine", frozenset({Role.STAFF}), 60),
    NavItem(N_("Users"), "users.index", frozenset({Role.STRATEGY_OFFICE}), 80),
    NavItem(N_("API tokens"), "api_tokens.index", frozenset({Role.STRATEGY_OFFICE}), 90),
    NavItem(N_("Audit log"), "audit.index", frozenset({Role.STRATEGY_OFFICE}), 95),
]
