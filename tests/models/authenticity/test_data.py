from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta, timezone

from models.authenticity import score_account
from tests.models.authenticity.builders import account, note, organic_comments, snapshots


def test_aware_and_naive_times_mix_without_error_and_mean_the_same_instant() -> None:
    notes = [note(d) for d in range(0, 60, 6)]
    china = timezone(timedelta(hours=8))
    aware_notes = [
        replace(n, published_at=n.published_at.replace(tzinfo=UTC).astimezone(china)) for n in notes
    ]
    assert [n.published_at for n in aware_notes] == [n.published_at for n in notes]
    comments = organic_comments(notes, 3)
    aware_comments = [replace(c, created_at=c.created_at.replace(tzinfo=UTC)) for c in comments[::2]]
    mixed = account(
        follower_snapshots=snapshots([60.0] * 70), notes=aware_notes, comments=aware_comments + comments[1::2]
    )
    naive = account(
        follower_snapshots=snapshots([60.0] * 70), notes=notes, comments=comments[::2] + comments[1::2]
    )
    assert score_account(mixed).score == score_account(naive).score
