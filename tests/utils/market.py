"""Builders of the market tests: the keyword-search fixtures of tests/fixtures/market imported
into a workspace, its brand and two competitors, and a campaign on one of the notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from service.ingest import IngestSummary, ingest_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "market"
EXPORTS = ("search_contents.csv", "spider_search_notes.csv", "search_comments.jsonl", "search_index.csv")
CAMPAIGN = "DORA spring"
BRANDS: list[dict[str, Any]] = [
    {
        "name": "朵拉朵尚",
        "own": True,
        "aliases": ["DORA"],
        "products": ["小银瓶"],
        "hashtags": ["#朵拉朵尚#"],
    },
    {"name": "兰蔻", "aliases": ["Lancome"], "products": ["小黑瓶"]},
    {"name": "珀莱雅", "aliases": ["Proya"], "products": ["红宝石"]},
]
#: The campaign note (its author is the campaign's creator) and its economics row.
CAMPAIGN_CSV = (
    "campaign,note_id,kol_id,fee,product_cost,paid_media,promo_code,clicks,add_to_carts,orders,revenue,"
    "new_customers,currency\n"
    f"{CAMPAIGN},6a2000000000000000000n01,5fa0000000000000000000c1,5000,100,0,,300,40,12,2400,10,CNY\n"
)


def import_market_exports(factory: sessionmaker[Session], workspace_id: int, tmp_path: Path) -> IngestSummary:
    """The search exports, the search-index CSV and a one-note campaign, through the ingest path."""
    campaign = tmp_path / "campaign.csv"
    campaign.write_text(CAMPAIGN_CSV, encoding="utf-8")
    return ingest_paths(factory, workspace_id, [*(FIXTURES / name for name in EXPORTS), campaign])
