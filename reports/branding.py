"""The institution on a report's cover: its name and logo, from configuration
(``MATURITY_INSTITUTION_NAME``, ``MATURITY_INSTITUTION_LOGO``).

The logo goes into the report object as a ``data:`` URL, so the snapshot renders the same PDF
wherever and whenever it is rendered again, and WeasyPrint fetches nothing. The web app passes
its settings; batch workers, which have no settings object, read the same variables from the
environment they inherited.
"""

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from maturity.settings import LOGO_TYPES, Settings


@dataclass(frozen=True, slots=True)
class Branding:
    name: str = ""  # empty: the top unit's name
    logo: str | None = None  # data: URL


def load_branding(name: str, logo_path: str) -> Branding:
    if not logo_path:
        return Branding(name=name)
    path = Path(logo_path)
    media_type = LOGO_TYPES[path.suffix.lower()]
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return Branding(name=name, logo=f"data:{media_type};base64,{encoded}")


def branding_of(settings: Settings) -> Branding:
    return load_branding(settings.institution_name, settings.institution_logo)


def branding_from_env(environ: Mapping[str, str] | None = None) -> Branding:
    env = os.environ if environ is None else environ
    return load_branding(
        env.get("MATURITY_INSTITUTION_NAME", "").strip(), env.get("MATURITY_INSTITUTION_LOGO", "").strip()
    )
