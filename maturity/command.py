"""The ``maturity`` command: the shell's commands plus every package's.

Part of the composition root, like ``app.py`` and ``all_tasks.py``, but apart from ``app.py`` so a
command imports only what it runs: ``maturity worker`` and the other commands never load the web
app (its controllers, Litestar, the sign-in clients: about 30 MB and two seconds a process); only
``serve`` and ``demo`` import it, when they serve.
"""

from typing import Any

from maturity.settings import Settings


def create_app(settings: Settings) -> Any:
    """The web app, imported when a command serves it."""
    from maturity.app import create_app as create

    return create(settings)


def main() -> None:
    from indicators.cli import kpi, strategy
    from indicators.demo import load_demo_strategy
    from indicators.demo_actions import load_demo_actions, load_demo_owners
    from maturity.cli import CliContext
    from maturity.cli import main as command_line
    from reports.cli import remind, reports
    from reports.demo import build_demo_reports
    from surveys.cli import survey
    from surveys.demo import load_demo_surveys

    command_line.add_command(strategy)
    command_line.add_command(kpi)
    command_line.add_command(survey)
    command_line.add_command(reports)
    command_line.add_command(remind)
    command_line(
        obj=CliContext(
            create_app=create_app,
            demo_steps=[load_demo_strategy, load_demo_actions, load_demo_owners, load_demo_surveys],
            after_demo=[build_demo_reports],
        )
    )
