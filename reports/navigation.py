from maturity.auth.models import Role
from maturity.errors import N_
from maturity.navigation import NavItem

REPORT_NAVIGATION = [
    NavItem(N_("My updates"), "updates.mine", frozenset(), 5),
    NavItem(N_("Reports"), "reports.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 48),
]
