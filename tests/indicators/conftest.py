"""The survey of tests/surveys, for the scores built from it."""

from tests.surveys.conftest import survey

__all__ = ["survey"]
