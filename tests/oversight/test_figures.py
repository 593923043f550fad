"""Every figure of the dashboard against the hand-computed value on the June fixture
(tests/oversight/conftest.py). 桂花村 has 4 households, 双河村 3; the township 7."""

from __future__ import annotations

from decimal import Decimal

from jifen.disclosure.selectors import Timeliness
from jifen.oversight.dashboard import Dashboard, VillageRow, dashboard
from tests.oversight.conftest import JUNE, MAY, NOW, June


def township_in_june(june: June) -> Dashboard:
    return dashboard(june.world.township, JUNE, now=NOW)


def row_of(board: Dashboard, name: str) -> VillageRow:
    return next(row for row in board.villages if row.village.name == name)


def test_the_township_lists_its_own_villages_only(june: June) -> None:
    # When the township's dashboard is computed
    board = township_in_june(june)
    # Then it has its two villages, and 玉泉村 of the other township is not among them
    assert [row.village.name for row in board.villages] == ["桂花村", "双河村"]
    assert board.townships == []


def test_participation_is_households_with_a_posted_record_in_the_month(june: June) -> None:
    board = township_in_june(june)
    # 桂花村: 1-01 (two patrols posted June 8) and 1-03 (littering) of 4 households → 50%.
    guihua = row_of(board, "桂花村").figures
    assert (guihua.participating, guihua.households, guihua.participation) == (2, 4, Decimal(50))
    # 双河村: 2-01 of 3 → 33.33…% → 33%.
    shuanghe = row_of(board, "双河村").figures
    assert (shuanghe.participating, shuanghe.households, shuanghe.participation) == (
        1,
        3,
        Decimal(33),
    )
    # The township: 3 of 7 → 42.86% → 43%.
    assert (board.total.participating, board.total.households) == (3, 7)
    assert board.total.participation == Decimal(43)


def test_records_pending_or_on_notice_do_not_count_as_participation(june: June) -> None:
    # 1-02 has two records waiting for review and 1-04 one under objection: neither takes part
    guihua = row_of(township_in_june(june), "桂花村").figures
    assert guihua.participating == 2


def test_points_issued_by_category(june: June) -> None:
    board = township_in_june(june)
    # 桂花村 in June: patrol +10 (June 5) and patrol +10 (May 28, approved June 3), both
    # posted June 8 → 公共事务 20; littering −5 → 扣分项 −5; in all 15.
    guihua = row_of(board, "桂花村").figures
    assert guihua.points == {"公共事务": 20, "扣分项": -5}
    assert guihua.points_total == 15
    # 双河村: patrol +10.
    assert row_of(board, "双河村").figures.points == {"公共事务": 10}
    # The township: 公共事务 30, 扣分项 −5, in all 25; categories by points issued.
    assert board.total.points == {"公共事务": 30, "扣分项": -5}
    assert board.total.points_total == 25
    assert board.categories == ["公共事务", "扣分项"]


def test_records_waiting_for_review_now_and_their_age(june: June) -> None:
    board = township_in_june(june)
    # 1-02's records of June 10 and June 18, on June 20: 10 and 2 days; median (10+2)//2 = 6.
    guihua = row_of(board, "桂花村").figures
    assert (guihua.awaiting, guihua.oldest_days, guihua.median_days) == (2, 10, 6)
    shuanghe = row_of(board, "双河村").figures
    assert (shuanghe.awaiting, shuanghe.oldest_days, shuanghe.median_days) == (0, None, None)
    assert (board.total.awaiting, board.total.oldest_days) == (2, 10)


def test_objections_raised_in_the_month_and_still_open(june: June) -> None:
    board = township_in_june(june)
    # June 16's objection is open; May 21's was dismissed on May 22.
    guihua = row_of(board, "桂花村").figures
    assert (guihua.objections_raised, guihua.objections_open) == (1, 1)
    # In May: one raised (May 21); open now still counts June 16's.
    may = row_of(dashboard(june.world.township, MAY, now=NOW), "桂花村").figures
    assert (may.objections_raised, may.objections_open) == (1, 1)


def test_talk_first_reply_time_of_matters_raised_in_the_month(june: June) -> None:
    replies = row_of(township_in_june(june), "桂花村").figures.replies
    # Raised in June: replied after 2 h (7,200 s) and after 48 h (172,800 s); one not replied
    # but waiting more than a day. Median of the replies: (7,200 + 172,800) // 2 = 90,000 s.
    assert (replies.matters, replies.replied, replies.median) == (3, 2, 90_000)
    # Within 24 h: 1 of the 3 whose outcome is known → 33%.
    assert (replies.within_day, replies.decided, replies.share_within_day) == (1, 3, Decimal(33))


def test_talk_ratings_given_in_the_month(june: June) -> None:
    ratings = row_of(township_in_june(june), "桂花村").figures.ratings
    # 4 and 5 stars on June 4 and 5: average 4.5 of 2 ratings.
    assert (ratings.count, ratings.total, ratings.average) == (2, 9, Decimal("4.5"))
    assert row_of(township_in_june(june), "双河村").figures.ratings.average is None


def test_disclosure_timeliness_of_periods_due_in_the_month(june: June) -> None:
    board = township_in_june(june)
    # 桂花村: finance on time, village affairs late, party affairs overdue.
    assert row_of(board, "桂花村").figures.timeliness == Timeliness(
        due=3, on_time=1, late=1, overdue=1
    )
    # 双河村: finance due June 25, not yet due.
    assert row_of(board, "双河村").figures.timeliness == Timeliness(
        due=1, on_time=0, late=0, overdue=0
    )
    assert board.total.timeliness == Timeliness(due=4, on_time=1, late=1, overdue=1)


def test_ledger_status_is_the_latest_check(june: June) -> None:
    board = township_in_june(june)
    # 桂花村: 5 records posted, each 4 entries (score and spendable, double entry) → 20
    # entries, all signed in the checkpoint of June 19; it verifies.
    guihua = row_of(board, "桂花村").ledger
    assert guihua is not None
    assert (guihua.ok, guihua.entries, guihua.checkpoint_tree_size, guihua.problem) == (
        True,
        20,
        20,
        "",
    )
    shuanghe = row_of(board, "双河村").ledger
    assert shuanghe is not None and not shuanghe.ok
    assert shuanghe.problem.startswith("entry #3:")
    assert (board.total.ledgers_ok, board.total.ledgers_failed, board.total.ledgers_unchecked) == (
        1,
        1,
        0,
    )


def test_unreviewed_fairness_flags(june: June) -> None:
    board = township_in_june(june)
    # Two unreviewed, one reviewed in 桂花村.
    assert row_of(board, "桂花村").figures.flags == 2
    assert row_of(board, "双河村").figures.flags == 0
    assert board.total.flags == 2


def test_the_trend_holds_twelve_months_ending_with_the_chosen_one(june: June) -> None:
    trend = township_in_june(june).trend
    assert [row.month.isoformat() for row in trend] == [
        "2025-07-01",
        "2025-08-01",
        "2025-09-01",
        "2025-10-01",
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
        "2026-04-01",
        "2026-05-01",
        "2026-06-01",
    ]
    # Before May nothing happened.
    assert all(
        (row.participating, row.points, row.awaiting, row.replies.matters) == (0, {}, 0, 0)
        for row in trend[:10]
    )


def test_the_trend_in_may_and_june(june: June) -> None:
    may, june_row = township_in_june(june).trend[-2:]
    # May: 1-01's two labour records (+5 each) posted May 25: 1 of 7 households → 14%.
    assert (may.participating, may.households, may.participation) == (1, 7, Decimal(14))
    assert may.points == {"公共事务": 10}
    # Waiting at the end of May: the patrol recorded May 28, approved June 3.
    assert may.awaiting == 1
    # The May matter was replied after 1 h.
    assert (may.replies.matters, may.replies.median, may.replies.share_within_day) == (
        1,
        3600,
        Decimal(100),
    )
    # June (to now): 3 of 7 households → 43%; 公共事务 30, 扣分项 −5; 2 waiting now.
    assert (june_row.participating, june_row.participation) == (3, Decimal(43))
    assert june_row.points == {"公共事务": 30, "扣分项": -5}
    assert june_row.points_total == 25
    assert june_row.awaiting == 2
    assert june_row.replies.median == 90_000


def test_the_county_rolls_villages_up_by_township(june: June) -> None:
    # When the county's dashboard is computed
    board = dashboard(june.world.county, JUNE, now=NOW)
    # Then it lists all three villages, by township, and a row per township
    assert [row.village.name for row in board.villages] == ["桂花村", "双河村", "玉泉村"]
    assert [row.township.name for row in board.townships] == ["清平镇", "玉泉镇"]
    qingping, yuquan = (row.figures for row in board.townships)
    # 清平镇 as above; 玉泉镇: 玉泉村's one household, nothing posted, never checked.
    assert (qingping.villages, qingping.participating, qingping.households) == (2, 3, 7)
    assert qingping.points_total == 25
    assert (qingping.awaiting, qingping.objections_open, qingping.flags) == (2, 1, 2)
    assert (yuquan.villages, yuquan.participating, yuquan.households) == (1, 0, 1)
    assert yuquan.participation == Decimal(0)
    assert (yuquan.ledgers_ok, yuquan.ledgers_failed, yuquan.ledgers_unchecked) == (0, 0, 1)
    # The county: 3 of 8 households → 37.5% → 38%.
    assert (board.total.participating, board.total.households) == (3, 8)
    assert board.total.participation == Decimal(38)
    assert board.total.ledgers_unchecked == 1
