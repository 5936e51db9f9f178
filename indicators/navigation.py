from maturity.auth.models import Role
from maturity.errors import N_
from maturity.navigation import NavItem

INDICATOR_NAVIGATION = [
    NavItem(N_("Strategy"), "strategy.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 20),
    NavItem(N_("Courses of action"), "actions.index", frozenset({Role.STAFF, Role.LEADER, Role.STRATEGY_OFFICE}), 25),
    NavItem(N_("KPIs"), "kpis.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 30),
    NavItem(N_("Dashboard"), "dashboard.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 10),
    NavItem(N_("Overview"), "overview.index", frozenset({Role.STRATEGY_OFFICE}), 15),
]
