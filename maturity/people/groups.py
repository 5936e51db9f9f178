"""Respondent groups as the shell sees them: codes and names only.

The table belongs to surveys (which imports the shell, never the other way), so the shell reads
it through a lightweight table clause rather than the surveys model.
"""

from dataclasses import dataclass

from sqlalchemy import column, select, table
from sqlmodel import Session

RESPONDENT_GROUP = table(
    "respondent_group", column("id"), column("code"), column("name_nb"), column("name_en"), column("position")
)


@dataclass(frozen=True, slots=True)
class GroupChoice:
    id: int
    code: str
    name_nb: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb


def respondent_groups(session: Session) -> list[GroupChoice]:
    rows = session.execute(
        select(
            RESPONDENT_GROUP.c.id, RESPONDENT_GROUP.c.code, RESPONDENT_GROUP.c.name_nb, RESPONDENT_GROUP.c.name_en
        ).order_by(RESPONDENT_GROUP.c.position, RESPONDENT_GROUP.c.code)
    ).all()
    return [GroupChoice(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def group_ids_by_code(session: Session) -> dict[str, int]:
    return {g.code: g.id for g in respondent_groups(session)}
