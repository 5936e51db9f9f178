from maturity.auth.models import Role
from maturity.errors import N_
from maturity.navigation import NavItem

SURVEY_NAVIGATION = [
    NavItem(N_("Surveys"), "surveys.index", frozenset({Role.LEADER, Role.STRATEGY_OFFICE}), 40),
    NavItem(N_("My surveys"), "my_surveys.index", frozenset(), 45),
]
