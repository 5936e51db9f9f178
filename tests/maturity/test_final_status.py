"""A concluded strategy's final evaluation (``maturity.scoring.final_status``): achieved, partly
achieved or not achieved by the strategy's thresholds, instead of pace."""

import pytest

from maturity.scoring import FinalThresholds, PaceStatus, final_status


class TestFinalStatus:
    thresholds = FinalThresholds(achieved=90, partly=60)

    @pytest.mark.parametrize(
        ("score", "status"),
        [
            (100.0, PaceStatus.ACHIEVED),
            (90.0, PaceStatus.ACHIEVED),  # exactly at a threshold: the better status
            (89.99, PaceStatus.PARTLY_ACHIEVED),
            (60.0, PaceStatus.PARTLY_ACHIEVED),
            (59.99, PaceStatus.NOT_ACHIEVED),
            (0.0, PaceStatus.NOT_ACHIEVED),
        ],
    )
    def test_golden(self, score: float, status: PaceStatus) -> None:
        assert final_status(score, self.thresholds).status == status

    def test_insufficient_data_stays_so(self) -> None:
        assert final_status(None, self.thresholds).status == PaceStatus.INSUFFICIENT_DATA
        assert final_status(95.0, self.thresholds, insufficient=True).status == PaceStatus.INSUFFICIENT_DATA

    def test_the_thresholds_are_ordered(self) -> None:
        with pytest.raises(ValueError, match="below achieved"):
            FinalThresholds(achieved=50, partly=60)
