"""models.market: commenter regions, profile validation, fit score, sponsorship detection."""

from __future__ import annotations

import pytest

from models.market.audience import campaign_fit, check_profile, fit_score, overlap
from models.market.regions import OUTSIDE, commenter_regions, place_of, province_tiers
from models.market.sponsorship import NoteFacts, detect_sponsorship, price_estimate


def test_place_of_sorts_provinces_outside_and_unknown() -> None:
    assert [place_of(v) for v in ("广东省", "内蒙古自治区", "美国", "中国香港", "未知", "", "中国")] == [
        "广东", "内蒙古", OUTSIDE, OUTSIDE, None, None, None,
    ]  # fmt: skip


def test_province_tier_shares_follow_the_census_table() -> None:
    assert province_tiers()["北京"].shares()["tier1"] == pytest.approx(1.0)
    assert province_tiers()["广东"].shares()["tier1"] == pytest.approx(36.24 / 126.01)
    assert len(province_tiers()) == 31


def test_province_populations_are_the_2020_census_bulletin_figures() -> None:
    # 第七次全国人口普查公报（第三号）, 2021-05-11, 表3-1: 常住人口 by province, in persons.
    table = province_tiers()
    bulletin = {
        "广东": 126_012_510,
        "山东": 101_527_453,
        "北京": 21_893_095,
        "西藏": 3_648_100,
        "新疆": 25_852_345,
    }
    assert {p: table[p].population for p in bulletin} == bulletin
    # The 31 provinces; the bulletin's national 1,411,778,724 adds 2,000,000 active-duty military.
    assert sum(t.population for t in table.values()) == 1_409_778_724
    assert all(t.population_m == round(t.population / 1e6, 2) for t in table.values())


def test_commenter_regions_count_each_commenter_once_at_the_latest_place() -> None:
    summary = commenter_regions([("a", "上海"), ("a", "广东"), ("b", ""), ("c", "美国"), ("c", "")])
    assert (summary.commenters, summary.located) == (3, 2)
    assert summary.provinces == {"广东": 0.5} and summary.outside_mainland == 0.5


def test_profile_accepts_percent_or_fraction_and_refuses_bad_sums() -> None:
    check = check_profile(
        [
            (1, "性别", "女", "0.6"),
            (2, "性别", "男", 0.41),
            (3, "年龄", "18-24", "50%"),
            (4, "age", "25-34", 40),
        ]
    )
    assert check.shares == {"gender": {"female": 0.6, "male": 0.41}}
    assert check.errors == [
        "age: shares add up to 90.0%, expected 100% ± 2 points (18-24, 25-34); the dimension was not kept"
    ]


def test_fit_is_one_minus_total_variation_and_null_without_a_target() -> None:
    assert overlap({"female": 0.8, "male": 0.2}, {"female": 0.5, "male": 0.5}) == pytest.approx(70.0)
    result = fit_score(
        {"gender": {"female": 0.5, "male": 0.5}}, {}, {"gender": {"female": 0.8, "male": 0.2}}, None
    )
    assert result.score == pytest.approx(70.0) and result.driver == "gender"
    assert fit_score(None, {}, None, None).reason is not None
    assert fit_score({"age": {"18-24": 1.0}}, {}, None, None).missing == ["age"]


def test_own_recurring_tags_are_not_a_brand_cluster() -> None:
    own = [NoteFacts(f"n{i}", tags=("自律", "自律女孩", "自律打卡")) for i in range(5)]
    assert detect_sponsorship(own) == []
    brand = NoteFacts("b", tags=("自律", "山岚", "山岚精华", "山岚面霜"))
    assert [s.brands for s in detect_sponsorship([*own, brand])] == [["山岚"]]


def test_price_estimate_places_cpe_against_the_tier_range() -> None:
    organic = [
        NoteFacts(f"n{i}", format="image", engagements=e, reach=r)
        for i, (e, r) in enumerate([(900, 9000), (1000, 10000), (1100, 11000)])
    ]
    estimate = price_estimate("image", 5000.0, "CNY", organic, "mid")
    assert estimate.cpe == pytest.approx(5.0) and estimate.cpm == pytest.approx(500.0)
    assert (
        estimate.benchmarks["cpe"]["verdict"] == "above" and estimate.benchmarks["cpm"]["verdict"] == "above"
    )


def test_campaign_fit_weighs_scored_kols_by_followers_and_counts_the_rest() -> None:
    fit = campaign_fit([(90.0, 300_000), (60.0, 100_000), (None, 50_000)])
    assert fit.score == pytest.approx((90 * 3 + 60) / 4)
    assert (fit.weighting, fit.kols_with_data, fit.kols) == ("followers", 2, 3)
    # A scored KOL without a follower count: every scored KOL weighs the same.
    equal = campaign_fit([(90.0, 300_000), (60.0, None)])
    assert (equal.score, equal.weighting) == (75.0, "equal")
    none = campaign_fit([(None, 1000)])
    assert none.score is None and none.reason == "no KOL of the campaign has a fit score"
