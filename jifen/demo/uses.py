"""What the demo's points buy: supermarkets with a year of redemptions, a partner bank with its
policy, consents and applications in every state.

Written through the services, like the rest of the demo, with the simulated day's ``now``.
The supermarket runs inside the year of activity (``Supermarkets.day`` before the evening's
posting, ``Supermarkets.evening`` after it, so that the ledger's times only move forward); the
bank comes at the end (``add_bank``), after the year's last checkpoint; and one dividend round,
decided in October, is final (``add_dividend_round``).
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant, User
from jifen.accounts.services import grant_role
from jifen.core.idempotency import new_key
from jifen.dividends.models import DividendRound
from jifen.dividends.services import build_final_round
from jifen.ledger.models import Account, Measure
from jifen.loans import services as loans
from jifen.loans.models import Bank, BankAccess, BankOfficer, CreditLine, LoanPolicy
from jifen.market import services as market
from jifen.market.models import Good, Redemption, Store
from jifen.places.models import Household, Place
from jifen.rules.models import VillageSettings

# Name, category, price in points, stock at opening (about one yuan a point, DOMAIN.md §5).
GOODS: list[tuple[str, str, int, int]] = [
    ("肥皂", "cleaning", 5, 60),
    ("洗衣粉 500克", "cleaning", 10, 40),
    ("洗衣液 2升", "cleaning", 20, 30),
    ("洗洁精", "cleaning", 8, 40),
    ("牙膏", "daily", 8, 40),
    ("牙刷（两支装）", "daily", 6, 40),
    ("毛巾", "daily", 10, 40),
    ("卫生纸（十卷）", "daily", 15, 40),
    ("抽纸（三包）", "daily", 9, 40),
    ("洗发水", "daily", 25, 20),
    ("沐浴露", "daily", 25, 20),
    ("电池（四节）", "daily", 6, 30),
    ("晾衣架（十个）", "daily", 10, 20),
    ("保温杯", "daily", 35, 10),
    ("雨伞", "daily", 30, 10),
    ("食用油 5升", "food", 40, 20),
    ("大米 10斤", "food", 30, 20),
    ("面粉 5斤", "food", 15, 20),
    ("挂面", "food", 6, 40),
    ("酱油", "food", 8, 30),
    ("醋", "food", 6, 30),
    ("食盐", "food", 3, 50),
    ("白糖 1斤", "food", 6, 30),
    ("鸡蛋（一板）", "food", 18, 15),
    ("作业本（十本）", "study", 8, 30),
    ("中性笔（一盒）", "study", 12, 20),
    ("书包", "study", 45, 8),
    ("铁锹", "farm", 35, 8),
    ("化肥 10公斤", "farm", 50, 10),
    ("蔬菜种子", "farm", 5, 40),
    ("垃圾桶", "other", 25, 15),
    ("手电筒", "other", 15, 15),
]

CANCEL_REASONS = ["扫错了户", "户主改主意，退回商品", "商品有破损，退货"]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _grant(place: Place, role: str) -> RoleGrant | None:
    return (
        RoleGrant.objects.filter(place=place, role=role, revoked_at__isnull=True)
        .select_related("user__resident", "place")
        .order_by("pk")
        .first()
    )


@dataclass
class _Store:
    store: Store
    keeper: Actor
    goods: list[Good]
    # Households that order online: the villagers with accounts.
    online: list[tuple[Actor, Household]]


class Supermarkets:
    """A supermarket in each of the first villages; the showcase's serves its neighbour too."""

    def __init__(self, rng: random.Random, villages: list[Place], start: date) -> None:
        self.rng = rng
        self.stores: list[_Store] = []
        for index, village in enumerate(villages[:3]):
            self.stores.append(self._open(village, villages, index, start))

    def _open(self, village: Place, villages: list[Place], index: int, start: date) -> _Store:
        grant = _grant(village, Role.STORE_KEEPER)
        if grant is None:  # a committee member keeps the store, as in many villages
            committee = _grant(village, Role.COMMITTEE_MEMBER)
            assert committee is not None
            grant = grant_role(
                actor=None, user=committee.user, role=Role.STORE_KEEPER, place=village
            )
        keeper = Actor(user=grant.user, grant=grant, ip_address="127.0.0.1")
        store = Store.objects.create(village=village, name=f"{village.name}爱心超市")
        store.villages.add(village)
        if index == 0 and len(villages) > 1:
            store.villages.add(villages[1])
        VillageSettings.objects.filter(village=village).update(
            point_value_fen=100,
            supermarket_budget_fen=[3_000_000, 1_500_000, 1_000_000][index],
            exchange_schedule=[
                VillageSettings.ExchangeSchedule.ANY_DAY,
                VillageSettings.ExchangeSchedule.MONTHLY,
                VillageSettings.ExchangeSchedule.QUARTERLY,
            ][index],
            exchange_window_days=[10, 10, 15][index],
        )
        goods = []
        for name, category, price, stock in GOODS:
            good = market.save_good(
                actor=keeper,
                store=store,
                values={"name": name, "category": category, "price": price, "low_stock_at": 5},
            )
            market.receive_stock(
                actor=keeper, good=good, quantity=stock, note="开业进货", now=_at(start, 9)
            )
            goods.append(good)
        online = [
            (Actor(user=g.user, grant=g, ip_address="127.0.0.1"), g.user.resident.household)
            for g in RoleGrant.objects.filter(
                place=village, role=Role.HOUSEHOLD_HEAD, revoked_at__isnull=True
            ).select_related("user__resident__household__village", "place")
            if g.user.resident is not None
        ]
        return _Store(store=store, keeper=keeper, goods=goods, online=online)

    def day(self, day: date) -> None:
        """Counter redemptions through the day, an online order now and then, monthly stock."""
        for shop in self.stores:
            if day.day == 1:
                self._restock(shop, day)
            settings = market.settings_of(shop.store.village)
            if not market.exchange_open(settings, day):
                continue
            busy = 4 if settings.exchange_schedule != "any" else 1
            for _ in range(sum(1 for _ in range(busy * 3) if self.rng.random() < 0.3)):
                self._counter(shop, _at(day, self.rng.randint(9, 17)))
            if shop.online and self.rng.random() < 0.08:
                self._online(shop, day)

    def _restock(self, shop: _Store, day: date) -> None:
        low = Good.objects.filter(store=shop.store, stock__lte=F("low_stock_at") + 5)
        for good in low:
            market.receive_stock(
                actor=shop.keeper, good=good, quantity=20, note="月初补货", now=_at(day, 8)
            )

    def _basket(self, shop: _Store, budget: int) -> dict[int, int]:
        basket: dict[int, int] = {}
        for good in self.rng.sample(shop.goods, 3):
            if good.price <= budget:
                quantity = 1 if good.price > 15 else self.rng.randint(1, 2)
                quantity = min(quantity, budget // good.price)
                if quantity:
                    basket[good.pk] = quantity
                    budget -= good.price * quantity
        return basket

    def _counter(self, shop: _Store, now: datetime) -> None:
        rich = list(
            Account.objects.filter(
                village__in=shop.store.villages.all(),
                kind=Account.Kind.HOUSEHOLD,
                measure=Measure.SPENDABLE,
                balance__gte=8,
            ).values_list("household_id", "balance")[:200]
        )
        if not rich:
            return
        household_id, balance = self.rng.choice(rich)
        basket = self._basket(shop, balance)
        if not basket:
            return
        household = Household.objects.select_related("village").get(pk=household_id)
        try:
            redemption = market.redeem(
                actor=shop.keeper,
                store=shop.store,
                household=household,
                quantities=basket,
                idempotency_key=new_key(),
                now=now,
            )
        except (ValidationError, PermissionDenied):
            return  # sold out, or a cadre household where cadres don't redeem: as in life
        if self.rng.random() < 0.02:
            market.cancel_redemption(
                actor=shop.keeper,
                redemption=redemption,
                reason=self.rng.choice(CANCEL_REASONS),
                now=now + timedelta(minutes=10),
            )

    def _online(self, shop: _Store, day: date) -> None:
        actor, household = self.rng.choice(shop.online)
        balance = (
            Account.objects.filter(
                household=household, kind=Account.Kind.HOUSEHOLD, measure=Measure.SPENDABLE
            )
            .values_list("balance", flat=True)
            .first()
        )
        basket = self._basket(shop, balance or 0)
        if not basket:
            return
        try:
            order = market.redeem(
                actor=actor,
                store=shop.store,
                household=household,
                quantities=basket,
                channel=Redemption.Channel.ONLINE,
                idempotency_key=new_key(),
                now=_at(day, 19),
            )
        except (ValidationError, PermissionDenied):
            return
        if self.rng.random() < 0.8:  # most are picked up; the rest lapse by the daily job
            market.hand_over(actor=shop.keeper, redemption=order, now=_at(day + timedelta(1), 10))

    def evening(self, day: date) -> None:
        """After the day's posting: orders not picked up in time lapse."""
        market.lapse_uncollected_orders(now=_at(day, 21))


def add_bank(county: Place, *, rng: random.Random, end: date) -> Bank:
    """The county's rural commercial bank, its policies, consents and applications."""
    officer_grant = _grant(county, Role.BANK_OFFICER)
    admin_grant = _grant(county, Role.COUNTY_ADMIN)
    assert officer_grant is not None and admin_grant is not None
    bank = Bank.objects.create(
        county=county, name=f"{county.name}农村商业银行", short_name=f"{county.name[:2]}农商行"
    )
    BankOfficer.objects.create(bank=bank, user=officer_grant.user)
    officer = loans.Viewer(bank=bank, channel=BankAccess.Channel.WEB, officer=officer_grant.user)
    officer_actor = Actor(user=officer_grant.user, grant=officer_grant, ip_address="127.0.0.1")
    year_start = date(end.year, 1, 1)
    old = LoanPolicy.objects.create(
        bank=bank,
        area=county,
        name="乡风文明积分贷",
        version=1,
        base_rate=Decimal("4.35"),
        discount_per_100=Decimal("0.05"),
        mode=LoanPolicy.Mode.STEPPED,
        max_discount=Decimal("0.50"),
        min_stars=1,
        valid_from=year_start - timedelta(days=365),
        valid_until=year_start - timedelta(days=1),
    )
    current = LoanPolicy.objects.create(
        bank=bank,
        area=county,
        name="乡风文明积分贷",
        version=2,
        base_rate=Decimal("4.35"),
        discount_per_100=Decimal("0.10"),
        mode=LoanPolicy.Mode.PROPORTIONAL,
        max_discount=Decimal("1.00"),
        min_stars=1,
        valid_from=year_start,
    )
    for policy, lines in [
        (old, {1: 30_000, 2: 50_000, 3: 100_000}),
        (current, {1: 50_000, 2: 100_000, 3: 150_000, 4: 200_000, 5: 300_000}),
    ]:
        CreditLine.objects.bulk_create(
            [CreditLine(policy=policy, stars=s, limit_yuan=y) for s, y in lines.items()]
        )
    heads = _borrowers(county, password=officer_grant.user.password)
    # The demo's own household head sees an approved loan; the others cover every state.
    outcomes = ["approved", "submitted", "declined", "withdrawn", "revoked", "approved"]
    outcomes += ["submitted", "declined", "approved", "submitted"]
    purposes = ["扩大柑橘种植", "购买农机", "翻修房屋", "开办农家乐", "购买种苗和化肥"]
    for index, ((actor, household), outcome) in enumerate(zip(heads, outcomes, strict=False)):
        # After the last checkpoint of the year, so that each snapshot names the one it saw.
        granted = _at(end, 23) + timedelta(minutes=30 + 2 * index)
        consent = loans.grant_consent(
            actor=actor, household=household, bank=bank, days=180, now=granted
        )
        loans.bank_view(officer, household, action=BankAccess.Action.LOOKUP, now=granted)
        if outcome == "revoked":
            loans.revoke_consent(actor=actor, consent=consent, now=granted + timedelta(seconds=30))
            # A look after the consent ended is refused, and the household sees that too.
            with contextlib.suppress(PermissionDenied):
                loans.bank_view(
                    officer,
                    household,
                    action=BankAccess.Action.STANDING,
                    now=granted + timedelta(seconds=40),
                )
            continue
        try:
            application = loans.apply_for_loan(
                actor=actor,
                household=household,
                bank=bank,
                amount_yuan=rng.choice([30_000, 50_000, 80_000, 100_000]),
                purpose=rng.choice(purposes),
                now=granted + timedelta(seconds=20),
            )
        except ValidationError:
            continue  # no score yet: the policy gives nothing to apply under
        decided = granted + timedelta(seconds=50)
        if outcome == "approved":
            loans.decide_application(
                viewer=officer,
                application=application,
                approve=True,
                amount_yuan=min(application.amount_yuan, application.credit_line_yuan or 30_000),
                rate=application.rate,
                actor=officer_actor,
                now=decided,
            )
        elif outcome == "declined":
            loans.decide_application(
                viewer=officer,
                application=application,
                approve=False,
                reason="经营计划不完整，请补充材料后再申请",
                actor=officer_actor,
                now=decided,
            )
        elif outcome == "withdrawn":
            loans.withdraw_application(actor=actor, application=application, now=decided)
    return bank


def _borrowers(county: Place, *, password: str) -> list[tuple[Actor, Household]]:
    """The showcase village's household-head account, and accounts for the heads of its
    highest-scoring households, who use the app to apply for loans."""
    showcase = (
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path)
        .order_by("code")
        .first()
    )
    assert showcase is not None
    grants = RoleGrant.objects.filter(
        place=showcase, role=Role.HOUSEHOLD_HEAD, revoked_at__isnull=True
    ).select_related("user__resident__household__village__parent", "place")
    borrowers = [
        (Actor(user=g.user, grant=g, ip_address="127.0.0.1"), g.user.resident.household)
        for g in grants
        if g.user.resident is not None
    ]
    taken = {household.pk for _, household in borrowers}
    candidates = (
        Household.objects.filter(village=showcase, head__isnull=False, standing__score__gt=0)
        .exclude(pk__in=taken)
        .exclude(head__account__isnull=False)
        .select_related("head", "village__parent")
        .order_by("-standing__score", "pk")
    )
    for household in candidates[:9]:
        head = household.head
        assert head is not None
        phone = head.phone or f"199{household.pk:08d}"
        if User.objects.filter(phone=phone).exists():
            continue
        user = User.objects.create(phone=phone, name=head.name, resident=head, password=password)
        grant = grant_role(actor=None, user=user, role=Role.HOUSEHOLD_HEAD, place=showcase)
        borrowers.append((Actor(user=user, grant=grant, ip_address="127.0.0.1"), household))
    return borrowers


def add_dividend_round(county: Place, *, end: date) -> DividendRound:
    """The showcase village shares 30% of its collective income by the first three quarters'
    points: decided in October, on notice, and final before ``end``."""
    showcase = (
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path)
        .order_by("code")
        .first()
    )
    assert showcase is not None
    year = end.year if end.month >= 11 else end.year - 1
    return build_final_round(
        village=showcase,
        title=f"{year}年集体经济积分分红",
        pool_fen=8_642_150,
        decision=f"{year}年10月村民代表会议决议：村集体经营性净收入288071.67元的30%按积分分红",
        decided_on=date(year, 10, 12),
        period_start=date(year, 1, 1),
        period_end=date(year, 9, 30),
        now=_at(date(year, 10, 15), 10),
    )
