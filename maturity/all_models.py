"""Imports every models module, so ``SQLModel.metadata`` holds the whole schema.

Part of the composition root, like app.py: the only other module that may import every package.
Alembic and the tests use it.
"""

from indicators import models as indicator_models
from maturity.audit import models as audit_models
from maturity.auth import models as auth_models
from maturity.inputs import models as input_models
from maturity.inputs import services as input_services  # noqa: F401  # its listeners version every write
from maturity.maturity_model import models as maturity_model_models
from maturity.units import models as unit_models
from reports import models as report_models
from surveys import models as survey_models

MODULES = [
    unit_models,
    auth_models,
    input_models,
    audit_models,
    maturity_model_models,
    survey_models,
    indicator_models,
    report_models,
]
