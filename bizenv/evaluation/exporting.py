"""Writing an evaluation as SCORES.csv text: a row per region, period and node (TOTAL, then the tree)."""

from __future__ import annotations

import csv
import io

import numpy as np

from bizenv.core.exports import cell_safe
from bizenv.evaluation.scoring import Evaluation


def _safe(values) -> list:
    return [cell_safe(v) for v in values]

SCORE_COLUMNS = ("region", "indicator", "period", "score", "rank", "completeness", "band", "status")
# status column: whether the node has a score, lacks data, or does not apply to the region.
STATUS_OK = "ok"
STATUS_MISSING = "missing"
STATUS_NOT_APPLICABLE = "not_applicable"


def _number(value: float, decimals: int) -> str:
    if np.isnan(value):
        return ""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def scores_csv(evaluation: Evaluation, *, decimals: int = 6) -> str:
    """SCORES.csv text (UTF-8 without BOM; the caller adds one for Excel)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    codes = evaluation.system.codes
    nodes = evaluation.nodes
    labels = evaluation.band_labels
    for r, region in enumerate(evaluation.regions):
        for p, period in enumerate(evaluation.periods):
            scores = nodes.score[r, p]
            completeness = nodes.completeness[r, p]
            applicable = nodes.applicable[r, p]
            ranks = evaluation.ranks[r, p]
            bands = evaluation.bands[r, p]
            for n, code in enumerate(codes):
                if not applicable[n]:
                    status = STATUS_NOT_APPLICABLE
                elif np.isnan(scores[n]):
                    status = STATUS_MISSING
                else:
                    status = STATUS_OK
                writer.writerow(_safe((
                    region, code, period, _number(scores[n], decimals), str(ranks[n]) if ranks[n] else "",
                    _number(completeness[n], 4), labels[bands[n]] if bands[n] >= 0 else "", status,
                )))
    return buffer.getvalue()
