"""Disclosure control: which figures of a round may be shown (pure: no database, no web).

A *figure* is a statistic over a set of respondents: a unit's total (over its whole subtree) or one
respondent group's part of it (a perspective), in one *layer*: a dimension, or the overall score.
Respondent counts are public (response rates show them); what is protected is the figure itself.
The rule, applied to every page, export and report:

1. **Too few**: a figure from 0 < n < k respondents is never shown.
2. **Nothing hidden can be worked out**: figures are tied by linear relations (on sums n·mean, as
   the counts are known), and an attacker may use all of them at once:

   - parent = Σ children + rest, for the total and for every group, in every layer, where the
     *rest* is the parent's own direct respondents: never shown itself, it acts as a hidden child;
   - total = Σ groups + ungrouped, where *ungrouped* are the respondents without a group;
   - across layers, for the same respondents: D · overall = Σ dimensions + P, where D is the
     number of dimensions and P (the *partial* layer, never shown) is the part of the respondents
     who left a whole dimension unanswered ("not applicable"): for a respondent who answered d < D
     dimensions it is (D − d) times their overall score, and it vanishes for everyone who answered
     all of them. Where a cell's respondents skipped dimensions in a pattern that fixes its overall
     from its dimensions (each dimension answered only by people who answered equally many), that
     exact relation is added too.

   No hidden figure may lie in the span of the shown ones (checked exactly, by elimination), and no
   hidden sum of fewer than k respondents either: rests, ungrouped parts and partial parts with
   0 < n < k are protected like a too-few figure, and the hidden terms of a relation whose other
   terms are known must together come from 0 or at least k respondents — also after taking a
   hidden part apart into its own parts, through as many relations as it takes to reach known ones
   (a known whole less every known part anywhere below it). Rests and partial parts of k or more
   may be derived, being no smaller than a figure we would show.
3. While a rule is broken, one more figure is hidden: in the relation that gives the leak away, the
   shown figure with the fewest respondents (a sibling or a group before the parent, the dimension
   that people skipped before the overall), iterated to a fixed point. It ends: hiding everything
   leaks nothing.

A hidden figure does not say why it is hidden: ``Visibility`` has one value for both reasons.
The shown figures' precision is not counted on (the relations are exact): rounding protects nothing.
Figures with n = 0 do not exist ("no responses") and are neither shown nor hidden.
"""

from maturity.disclosure.counts import Participation, participation
from maturity.disclosure.engine import Disclosure, Visibility, disclose
from maturity.disclosure.rounds import (
    OVERALL,
    CellAnswers,
    CellDisclosure,
    SurveyDisclosure,
    disclose_cells,
    disclose_survey,
)

__all__ = [
    "OVERALL",
    "CellAnswers",
    "CellDisclosure",
    "Disclosure",
    "Participation",
    "SurveyDisclosure",
    "Visibility",
    "disclose",
    "disclose_cells",
    "disclose_survey",
    "participation",
]
