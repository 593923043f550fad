"""The demo's year of activity: every route, every outcome, and a ledger that verifies."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count

from jifen.demo.activity import ActivitySize, add_activity
from jifen.demo.generator import DemoSize, build_demo
from jifen.dividends.models import DividendRound
from jifen.ledger.models import Checkpoint
from jifen.ledger.verify import verify_village
from jifen.loans.models import BankAccess, LoanApplication
from jifen.market.models import Good, Redemption, Store
from jifen.places.models import Place
from jifen.records.models import InspectionRound, Objection, Record, Report
from jifen.rules.models import RulebookVersion
from jifen.talk.models import Comment, Matter, Rating, Task
from jifen.talk.selectors import stage_of, with_stage
from jifen.votes.models import Vote


@pytest.mark.django_db
def test_a_tiny_year_has_every_route_and_outcome_and_verifies() -> None:
    summary = build_demo(seed=11, size=DemoSize.tiny())
    made = add_activity(
        county=summary.county,
        seed=11,
        end=date(2026, 11, 20),
        size=ActivitySize(records_per_week=3, showcase_records_per_week=12),
    )
    routes = dict(Record.objects.values_list("route").annotate(n=Count("pk")))
    assert made == Record.objects.count() > 300
    assert set(routes) == set(Record.Route.values)
    statuses = set(Record.objects.values_list("status", flat=True))
    assert {
        Record.Status.POSTED,
        Record.Status.REJECTED,
        Record.Status.PENDING,
        Record.Status.ON_NOTICE,
    } <= statuses
    assert Objection.objects.filter(outcome=Objection.Outcome.UPHELD).exists()
    assert Objection.objects.filter(outcome=Objection.Outcome.DISMISSED).exists()
    assert Report.objects.filter(status=Report.Status.CONFIRMED).exists()
    assert Record.objects.filter(
        route=Record.Route.CORRECTION, status=Record.Status.POSTED
    ).exists()
    assert InspectionRound.objects.count() >= 10
    assert Record.objects.filter(route=Record.Route.PROXY).exists()
    # Every village adopted a rulebook copied from a county template
    villages = Place.objects.filter(kind=Place.Kind.VILLAGE)
    assert (
        RulebookVersion.objects.filter(status="adopted", rulebook__is_template=False).count()
        == villages.count()
    )
    # Supermarkets with 30+ goods, redemptions in several villages, every outcome
    stores = Store.objects.annotate(on_shelf=Count("goods", distinct=True))
    assert stores.count() == min(3, villages.count()) and all(
        store.on_shelf >= 30 for store in stores
    )
    assert Redemption.objects.values("village").distinct().count() >= 2
    assert set(Redemption.objects.values_list("status", flat=True)) >= {
        Redemption.Status.HANDED_OVER,
        Redemption.Status.CANCELLED,
    }
    assert not Good.objects.filter(stock__lt=0).exists()
    # The bank: applications in every state, and a refused look the household can see
    assert set(LoanApplication.objects.values_list("status", flat=True)) == set(
        LoanApplication.Status.values
    )
    assert BankAccess.objects.filter(allowed=False, household__isnull=False).exists()
    # One final dividend round whose payouts add up to its pool
    (dividend,) = DividendRound.objects.all()
    assert dividend.status == DividendRound.Status.FINAL
    assert sum(dividend.shares.values_list("payout_fen", flat=True)) == dividend.pool_fen
    # Villagers Talk in every village: matters at every stage, votes passed, failed and open
    for village in villages:
        stages = {stage_of(matter) for matter in with_stage(Matter.objects.filter(village=village))}
        assert stages == set(Matter.Stage.values)
        outcomes = set(Vote.objects.filter(village=village).values_list("status", "passed"))
        assert outcomes == {("closed", True), ("closed", False), ("open", None)}
        tasks = Task.objects.filter(matter__village=village)
        assert tasks.filter(done_at__isnull=True, due_on__lt=date(2026, 11, 20)).exists()
        assert tasks.filter(done_at__isnull=True, due_on__gte=date(2026, 11, 20)).exists()
        assert Rating.objects.filter(task__matter__village=village).exists()
    # One passed vote changed the showcase village's rulebook; the failed ones changed nothing
    (changed,) = Vote.objects.filter(rule_change__isnull=False)
    assert changed.passed and changed.rule_change is not None
    assert changed.rule_change.status == RulebookVersion.Status.ADOPTED
    assert changed.rule_change.items.filter(title="婚事新办，不办婚前宴").exists()
    assert Comment.objects.filter(hidden_at__isnull=False).count() == 1
    # Daily checkpoints, and every ledger verifies
    for village in villages:
        assert Checkpoint.objects.filter(village=village).count() > 100
        assert verify_village(village).ok
