"""Member pulse: what a community's members say after a campaign, reported only in numbers.

Recall (did you see it), sentiment and trust in the recommendation (1–5 each). A community's
pulse is shown only once it has at least :data:`MIN_PULSE_ANSWERS` answers: fewer than that
would let a brand or an owner guess who answered, and say little anyway.
"""

from __future__ import annotations

import pandas as pd

#: The fewest answers a community's pulse is shown with (docs/delivery.md, "Member pulse").
MIN_PULSE_ANSWERS = 10

#: The scale of the sentiment and trust questions.
SCALE = (1, 5)


def pulse_summary(answers: pd.DataFrame, *, minimum: int = MIN_PULSE_ANSWERS) -> pd.DataFrame:
    """Per community: answers, recall share, mean sentiment and trust, and whether it is shown.

    ``answers`` has ``community_id``, ``recall`` (bool), ``sentiment`` and ``trust`` (1–5).
    Below ``minimum`` answers a community's figures are blanked (only the count is kept).
    """
    columns = ["community_id", "answers", "recall_share", "sentiment", "trust", "reported"]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    grouped = answers.groupby("community_id", sort=True)
    summary = pd.DataFrame(
        {
            "answers": grouped.size(),
            "recall_share": grouped["recall"].mean(),
            "sentiment": grouped["sentiment"].mean(),
            "trust": grouped["trust"].mean(),
        }
    )
    summary["reported"] = summary["answers"] >= minimum
    for column in ("recall_share", "sentiment", "trust"):
        summary[column] = summary[column].where(summary["reported"])
    return summary.reset_index()[columns]
