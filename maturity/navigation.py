"""The main navigation. Each package contributes its entries; app.py assembles the list."""

from dataclasses import dataclass

from maturity.auth.models import Role, User
from maturity.errors import N_


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str  # message id, translated when shown
    route: str  # route name for url_for
    roles: frozenset[Role]  # who sees it; empty means every logged-in user

    def visible_to(self, user: User | None) -> bool:
        if user is None:
            return False
        return not self.roles or any(user.has_role(role) for role in self.roles)


SHELL_NAVIGATION = [
    NavItem(N_("Home"), "home", frozenset()),
    NavItem(N_("Units"), "units.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE})),
    NavItem(N_("My unit"), "units.mine", frozenset({Role.STAFF})),
    NavItem(N_("Users"), "users.index", frozenset({Role.STRATEGY_OFFICE})),
]
