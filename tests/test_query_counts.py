"""Every page not already measured in its app's tests, with its exact number of queries.

Each case gets a page in a small world, then adds households (with records, postings and
pending work) to its village, its neighbour and two new villages, one in each township, and
gets the page again: the number of queries is the same, and it is the number written here.
A page of something drawn up once over a village's households (a final dividend's payout list,
a vote's electors, a month's red list) is measured instead in a village of two households and
in one of seven. The counts are the same on SQLite and PostgreSQL.

Pages measured in their own apps' tests (not repeated here): the registry and the county page
(tests/places), the door plate and the door-plates PDF (tests/board), the rulebook and the draft
editor (tests/rules), the dividend rounds (tests/dividends), the store pages, my market and the
liability (tests/market), the talk lists and a matter (tests/talk), the votes list (tests/votes),
the disclosure lists (tests/disclosure), a campaign and the red and black lists
(tests/campaigns), the notifications (tests/notify), the bank's queue and export
(tests/loans), the township and county dashboards and their exports (tests/oversight), and the
API's list of applications (tests/api).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.campaigns import services as boards
from jifen.campaigns.models import Board, Round
from jifen.campaigns.models import Entry as BoardEntry
from jifen.core.idempotency import new_key
from jifen.disclosure import drafting
from jifen.disclosure.models import Item as DisclosureItem
from jifen.disclosure.models import Period, Publication
from jifen.dividends import services as dividends
from jifen.dividends.models import DividendRound
from jifen.fairness.models import Flag
from jifen.fairness.services import compute_flags
from jifen.ledger.models import Checkpoint
from jifen.ledger.services import create_checkpoint, post_due_records
from jifen.loans import services as loans
from jifen.loans.models import Bank, LoanApplication
from jifen.market import services as market
from jifen.market.models import Good, Redemption, Store
from jifen.places.models import Household, Place, RosterUpload
from jifen.records import services
from jifen.records.models import Notice, Record
from jifen.rules import services as rules
from jifen.rules.models import Item as RuleItem
from jifen.rules.models import RulebookVersion, VillageSettings
from jifen.talk.models import Task
from jifen.votes import services as votes
from jifen.votes.models import Vote
from tests import factories
from tests.campaigns.conftest import start_campaign
from tests.conftest import World, log_in
from tests.disclosure.conftest import draft_statement, may_finance, published_statement
from tests.fairness.conftest import TODAY as FAIRNESS_DAY
from tests.fairness.conftest import households, make
from tests.points import NOW, TODAY, Items, actor, after_notice, small_rulebook
from tests.talk.conftest import hand_out, raise_matter

_plates = itertools.count(1)
_codes = itertools.count(301)


@dataclass
class Village:
    place: Place
    items: Items
    recorder: Actor
    reviewer: Actor


def staffed(place: Place, items: Items | None = None) -> Village:
    """A village with a rulebook in force and two cadres of its own to record and review."""
    return Village(
        place=place,
        items=items or small_rulebook(place),
        recorder=actor(factories.account("记分员", Role.COMMITTEE_MEMBER, place)),
        reviewer=actor(factories.account("审核员", Role.SECRETARY, place)),
    )


def activity(village: Village, homes: list[Household]) -> None:
    """Each household has two deeds approved (and posted below) and one awaiting review."""
    for home in homes:
        for item in (village.items.patrol, village.items.labour):
            record = services.record_deed(
                actor=village.recorder,
                household=home,
                item=item,
                occurred_on=TODAY,
                idempotency_key=new_key(),
                now=NOW,
            )
            services.review_record(actor=village.reviewer, record=record, approve=True, now=NOW)
        services.record_deed(
            actor=village.recorder,
            household=home,
            item=village.items.yard,
            occurred_on=TODAY,
            idempotency_key=new_key(),
            now=NOW,
        )


def more_households(village: Village, count: int) -> list[Household]:
    homes = [
        factories.household(village.place, f"9-{next(_plates):02}", "张新户", members=3)
        for _ in range(count)
    ]
    activity(village, homes)
    return homes


def new_village(township: Place) -> Village:
    code = f"{township.code[:9]}{next(_codes)}"
    return staffed(factories.village(township, code, f"新村{code[-3:]}"))


@dataclass
class Scene:
    world: World
    village: Village
    neighbour: Village


def small_world(world: World) -> Scene:
    scene = Scene(world, staffed(world.village), staffed(world.neighbour_village))
    activity(scene.village, [world.home])
    activity(scene.neighbour, [world.neighbour_home])
    post_due_records(now=after_notice())
    return scene


def grow(scene: Scene) -> None:
    """Three more households in each village of the world, and two more villages."""
    more_households(scene.village, 3)
    more_households(scene.neighbour, 3)
    more_households(new_village(scene.world.township), 3)
    more_households(new_village(scene.world.other_township), 3)
    post_due_records(now=after_notice())
    if Checkpoint.objects.filter(village=scene.world.village).exists():
        create_checkpoint(village=scene.world.village)  # the proofs then cover the new entries


Url = Callable[[World], str]
Setup = Callable[[Scene], object]


def nothing(scene: Scene) -> None:
    return None


def other_home(world: World) -> int:
    """The pk of the secretary's household, which a villager of 王建国's household may report."""
    return Household.objects.get(village=world.village, door_plate="1-02").pk


def village_page(name: str) -> Url:
    return lambda w: reverse(name, args=[w.village.code])


def home_page(name: str) -> Url:
    return lambda w: reverse(name, args=[w.village.code, w.home.pk])


def place_page(name: str, place: str) -> Url:
    return lambda w: reverse(name, args=[getattr(w, place).code])


def the_store(scene: Scene) -> Store:
    world = scene.world
    store = Store.objects.create(village=world.village, name="桂花村爱心超市")
    store.villages.add(world.village, world.neighbour_village)
    Good.objects.create(store=store, name="肥皂", category=Good.Category.CLEANING, price=5, stock=9)
    return store


def store_page(name: str) -> Url:
    return lambda w: reverse(name, args=[Store.objects.get().pk])


def a_vote(scene: Scene) -> Vote:
    world = scene.world
    return votes.create_vote(
        actor=actor(world.people["secretary"]),
        village=world.village,
        title="修村东水渠",
        question="村集体出资两万元修村东水渠，是否同意？",
        kind=Vote.Kind.MOTION,
        body=Vote.Body.HOUSEHOLDS,
        options=(),
        opens_at=None,
        closes_at=timezone.now() + timedelta(days=5),
        idempotency_key=new_key(),
    )


def a_bank(scene: Scene) -> object:
    return factories.bank(scene.world.county, scene.world.people["bank_officer"])


def two_checkpoints(scene: Scene) -> None:
    """A signed checkpoint, one more posting, and a second checkpoint over it."""
    create_checkpoint(village=scene.world.village)
    activity(scene.village, [scene.world.home])
    post_due_records(now=after_notice())
    create_checkpoint(village=scene.world.village)


def a_campaign(scene: Scene) -> object:
    return start_campaign(scene.world)


def first_round(name: str, *household: str) -> Url:
    def address(w: World) -> str:
        first = Round.objects.order_by("number").first()
        assert first is not None
        return reverse(name, args=[first.pk, *(getattr(w, h).pk for h in household)])

    return address


def a_statement(scene: Scene) -> object:
    return published_statement(scene.world)


def a_redemption(scene: Scene) -> Redemption:
    """王建国's household exchanges 5 of its points for a bar of soap at the counter."""
    store = the_store(scene)
    VillageSettings.objects.filter(village=scene.world.village).update(redemption_deducts=False)
    return market.redeem(
        actor=actor(scene.world.people["store_keeper"]),
        store=store,
        household=scene.world.home,
        quantities={Good.objects.get().pk: 1},
        idempotency_key=new_key(),
    )


def receipt(w: World) -> str:
    redemption = Redemption.objects.get()
    return reverse("market_receipt", args=[redemption.store_id, redemption.pk])


def first_publication(w: World) -> str:
    return reverse("disclosure_publication", args=[Publication.objects.get().pk])


def a_template(scene: Scene) -> object:
    return factories.rulebook(scene.world.far_village)


def the_template(w: World) -> str:
    template = RulebookVersion.objects.get(rulebook__is_template=True)
    return reverse("rules_template_version", args=[w.county.code, template.pk])


def a_matter(scene: Scene) -> Task:
    """A matter raised by a villager and handed to a committee member as a task."""
    return hand_out(scene.world, raise_matter(scene.world))


def a_loan_application(scene: Scene) -> LoanApplication:
    world = scene.world
    bank = factories.bank(world.county, world.people["bank_officer"])
    factories.loan_policy(bank, world.county)
    head = actor(world.people["household_head"])
    loans.grant_consent(actor=head, household=world.home, bank=bank, days=90)
    return loans.apply_for_loan(
        actor=head, household=world.home, bank=bank, amount_yuan=50_000, purpose="买化肥和种子"
    )


def a_flag(scene: Scene) -> object:
    """The grid member records once for five households, nine times for a sixth: a flag."""
    homes = households(scene.world, 6)
    for home in homes[1:]:
        make(scene.world, home, scene.village.items.patrol, on=FAIRNESS_DAY - timedelta(days=14))
    make(
        scene.world,
        homes[0],
        scene.village.items.patrol,
        on=FAIRNESS_DAY - timedelta(days=14),
        times=9,
    )
    return compute_flags(village=scene.world.village, today=FAIRNESS_DAY)


def a_draft(scene: Scene) -> Publication:
    return draft_statement(scene.world)


def first_line(w: World) -> str:
    line = DisclosureItem.objects.order_by("pk").first()
    assert line is not None
    return reverse("disclosure_ask", args=[line.pk])


def publication_page(name: str) -> Url:
    return lambda w: reverse(name, args=[Publication.objects.get().pk])


def posted_record(w: World, name: str) -> str:
    record = Record.objects.filter(household=w.home).order_by("pk").first()
    assert record is not None
    return reverse(name, args=[w.village.code, record.pk])


def a_rulebook_draft(scene: Scene) -> RulebookVersion:
    return rules.draft_new_version(actor=None, village=scene.world.village)


def draft_item(w: World) -> str:
    item = RuleItem.objects.filter(version__status=RulebookVersion.Status.DRAFT).first()
    assert item is not None
    return reverse("rules_item_edit", args=[w.village.code, item.pk])


def a_roster_upload(scene: Scene) -> object:
    """The secretary uploads a roster of 桂花村's two households and a new one; it is checked."""
    world = scene.world
    rows = [
        factories.roster_row(home.door_plate, head.name, head.name, "户主", head.id_number)
        for home in Household.objects.filter(village=world.village).select_related("head")
        if (head := home.head) is not None
    ]
    rows.append(factories.roster_row("1-99", "钱多多", "钱多多", "户主", factories.id_number()))
    roster = BytesIO(factories.roster_xlsx(rows))
    roster.name = "roster.xlsx"
    secretary = log_in(Client(), world.people["secretary"])
    secretary.post(reverse("roster_import", args=[world.village.code]), {"file": roster})
    return RosterUpload.objects.get(status=RosterUpload.Status.CHECKED)


def a_submitted_draft(scene: Scene) -> Publication:
    publication = draft_statement(scene.world)
    return drafting.submit(actor=actor(scene.world.people["secretary"]), publication=publication)


def a_period(scene: Scene) -> object:
    return may_finance(scene.world)


def a_draft_board(scene: Scene) -> Board:
    return boards.prepare_board(
        actor=actor(scene.world.people["secretary"]),
        village=scene.world.village,
        month=date(2026, 6, 1),
    )


def board_entry(w: World) -> str:
    entry = BoardEntry.objects.order_by("pk").first()
    assert entry is not None
    return reverse("campaigns_entry", args=[entry.pk])


def line_page(name: str) -> Url:
    def address(w: World) -> str:
        line = DisclosureItem.objects.order_by("pk").first()
        assert line is not None
        return reverse(name, args=[line.pk])

    return address


def first_notice(world: World) -> str:
    notice = Notice.objects.filter(village=world.village).order_by("pk").first()
    assert notice is not None
    return reverse("print_notice", args=[world.village.code, notice.pk])


def checkpoints(world: World) -> str:
    sizes = Checkpoint.objects.filter(village=world.village).order_by("tree_size")
    first, last = sizes.first(), sizes.last()
    assert first is not None and last is not None
    return reverse("consistency_proof", args=[world.village.code, first.tree_size, last.tree_size])


# (page, persona (None: signed out), what the page needs, its URL, its queries on SQLite)
PAGES: list[tuple[str, str | None, Setup, Url, int]] = [
    ("login", None, nothing, lambda w: reverse("login"), 0),
    ("place_roles", "secretary", nothing, village_page("place_roles"), 16),
    ("place_roles", "township_admin", nothing, place_page("place_roles", "township"), 7),
    ("household", "secretary", nothing, home_page("household"), 7),
    ("household", "household_head", nothing, home_page("household"), 7),
    ("household_history", "secretary", nothing, home_page("household_history"), 7),
    ("village_audit", "supervisor", nothing, village_page("village_audit"), 7),
    ("township", "township_officer", nothing, place_page("township", "township"), 6),
    ("roster_import", "secretary", nothing, village_page("roster_import"), 6),
    ("roster_export", "secretary", nothing, village_page("roster_export"), 8),
    ("village_board", "villager", nothing, village_page("village_board"), 10),
    ("household_points", "household_head", nothing, home_page("household_points"), 14),
    ("print_passbook", "household_head", nothing, home_page("print_passbook"), 11),
    ("print_notice", "secretary", nothing, first_notice, 5),
    (
        "entry_proof",
        "villager",
        two_checkpoints,
        lambda w: reverse("entry_proof", args=[w.village.code, 1]),
        10,
    ),
    ("consistency_proof", "villager", two_checkpoints, checkpoints, 7),
    ("declare", "household_head", nothing, village_page("declare"), 10),
    ("record_for", "grid_member", nothing, home_page("record_for"), 7),
    (
        "report",
        "villager",
        nothing,
        lambda w: reverse("report", args=[w.village.code, other_home(w)]),
        7,
    ),
    ("inspection", "grid_member", nothing, village_page("inspection"), 7),
    ("review_queue", "secretary", nothing, village_page("review_queue"), 10),
    (
        "rules_version",
        "villager",
        nothing,
        lambda w: reverse("rules_version", args=[w.village.code, 1]),
        10,
    ),
    ("rules_settings", "secretary", nothing, village_page("rules_settings"), 6),
    ("rules_templates", "county_admin", nothing, place_page("rules_templates", "county"), 6),
    ("market_stores", "secretary", the_store, village_page("market_stores"), 7),
    ("market_store_new", "secretary", nothing, village_page("market_store_new"), 6),
    ("market_good_new", "store_keeper", the_store, store_page("market_good_new"), 5),
    ("market_counter", "store_keeper", the_store, store_page("market_counter"), 5),
    (
        "market_basket",
        "store_keeper",
        the_store,
        lambda w: reverse("market_basket", args=[Store.objects.get().pk, w.home.public_token]),
        9,
    ),
    ("market_liability_xlsx", "secretary", the_store, village_page("market_liability_xlsx"), 8),
    ("loans_my", "household_head", a_bank, lambda w: reverse("loans_my"), 18),
    ("loans_banks", "county_admin", a_bank, place_page("loans_banks", "county"), 6),
    (
        "loans_bank_admin",
        "county_admin",
        a_bank,
        lambda w: reverse("loans_bank_admin", args=[w.county.code, Bank.objects.get().pk]),
        10,
    ),
    ("market_receipt", "store_keeper", a_redemption, receipt, 8),
    ("rules_template_version", "county_admin", a_template, the_template, 8),
    ("campaigns_round", "secretary", a_campaign, first_round("campaigns_round"), 7),
    ("campaigns_inspect", "secretary", a_campaign, first_round("campaigns_inspect", "home"), 8),
    ("disclosure_publication", "villager", a_statement, first_publication, 8),
    ("correct", "secretary", nothing, lambda w: posted_record(w, "correct"), 5),
    (
        "market_store_edit",
        "secretary",
        the_store,
        store_page("market_store_edit"),
        7,
    ),
    (
        "market_good_edit",
        "store_keeper",
        the_store,
        lambda w: reverse("market_good_edit", args=[Store.objects.get().pk, Good.objects.get().pk]),
        6,
    ),
    (
        "market_order",
        "household_head",
        the_store,
        store_page("market_order"),
        11,
    ),
    (
        "loans_bank_application",
        "bank_officer",
        a_loan_application,
        lambda w: reverse("loans_bank_application", args=[LoanApplication.objects.get().pk]),
        15,
    ),
    (
        "talk_progress",
        "committee_member",
        a_matter,
        lambda w: reverse("talk_progress", args=[Task.objects.get().pk]),
        5,
    ),
    (
        "fairness_flag",
        "township_officer",
        a_flag,
        lambda w: reverse("fairness_flag", args=[Flag.objects.get().pk]),
        7,
    ),
    (
        "disclosure_edit",
        "secretary",
        a_draft,
        publication_page("disclosure_edit"),
        9,
    ),
    (
        "disclosure_pdf",
        "villager",
        a_statement,
        publication_page("disclosure_pdf"),
        6,
    ),
    (
        "disclosure_ask",
        "villager",
        a_statement,
        first_line,
        5,
    ),
    ("rules_item_add", "secretary", a_rulebook_draft, village_page("rules_item_add"), 7),
    ("rules_item_edit", "secretary", a_rulebook_draft, draft_item, 9),
    ("rules_star_bands", "secretary", a_rulebook_draft, village_page("rules_star_bands"), 7),
    ("rules_adopt", "secretary", a_rulebook_draft, village_page("rules_adopt"), 6),
    ("rules_copy_template", "secretary", a_template, village_page("rules_copy_template"), 7),
    (
        "roster_upload",
        "secretary",
        a_roster_upload,
        lambda w: reverse("roster_upload", args=[w.village.code, RosterUpload.objects.get().pk]),
        6,
    ),
    ("loans_bank_lookup", "bank_officer", a_bank, lambda w: reverse("loans_bank_lookup"), 6),
    (
        "loans_policy_new",
        "county_admin",
        a_bank,
        lambda w: reverse("loans_policy_new", args=[w.county.code, Bank.objects.get().pk]),
        7,
    ),
    (
        "disclosure_review",
        "supervisor",
        a_submitted_draft,
        publication_page("disclosure_review"),
        9,
    ),
    ("disclosure_correct", "secretary", a_statement, publication_page("disclosure_correct"), 7),
    ("disclosure_item_edit", "secretary", a_draft, line_page("disclosure_item_edit"), 8),
    (
        "disclosure_start",
        "secretary",
        a_period,
        lambda w: reverse("disclosure_start", args=[Period.objects.get().pk]),
        6,
    ),
    ("campaigns_entry", "secretary", a_draft_board, board_entry, 5),
    ("dividends_new", "secretary", nothing, village_page("dividends_new"), 5),
    ("votes_new", "secretary", nothing, village_page("votes_new"), 6),
    (
        "votes_vote",
        "villager",
        a_vote,
        lambda w: reverse("votes_vote", args=[Vote.objects.get().pk]),
        9,
    ),
    ("talk_matter_new", "villager", nothing, village_page("talk_matter_new"), 5),
    ("disclosure_schedule", "secretary", nothing, village_page("disclosure_schedule"), 6),
    ("disclosure_ad_hoc", "secretary", nothing, village_page("disclosure_ad_hoc"), 5),
    ("campaigns_village", "secretary", nothing, village_page("campaigns_village"), 6),
    ("campaigns_new", "secretary", nothing, village_page("campaigns_new"), 5),
    ("fairness_village", "township_officer", nothing, village_page("fairness_village"), 6),
    (
        "fairness_township",
        "township_officer",
        nothing,
        place_page("fairness_township", "township"),
        7,
    ),
    ("notify_list", "household_head", nothing, lambda w: reverse("notify_list"), 6),
]


@pytest.mark.parametrize(
    ("persona", "setup", "url", "expected"),
    [
        pytest.param(persona, setup, url, n, id=f"{page}-{persona or 'anonymous'}")
        for page, persona, setup, url, n in PAGES
    ],
)
def test_the_page_queries_do_not_grow_with_households_or_villages(
    client: Client,
    world: World,
    django_assert_num_queries: Any,
    persona: str | None,
    setup: Setup,
    url: Url,
    expected: int,
) -> None:
    # Given a small world with some activity, what the page shows, and a persona who may see it
    scene = small_world(world)
    setup(scene)
    if persona is not None:
        log_in(client, world.people[persona])
    address = url(world)
    client.get(address)  # the first visit may write (a session, a read receipt)
    # When they get the page
    with CaptureQueriesContext(connection) as few:
        assert client.get(address).status_code == 200
    # Then it takes the queries written here
    assert len(few) == expected
    # And after more households and villages with their own activity, exactly as many
    grow(scene)
    with django_assert_num_queries(expected):
        assert client.get(address).status_code == 200


def final_round(village: Place) -> DividendRound:
    """June's dividend, published on 5 July and final once its notice closed."""
    return dividends.build_final_round(
        village=village,
        title="2026年6月积分分红",
        pool_fen=100_000,
        decision="村民代表会议 2026-07-01 决议：集体经营性收入的30%",
        decided_on=date(2026, 7, 1),
        period_start=date(2026, 6, 1),
        period_end=date(2026, 6, 30),
        now=datetime(2026, 7, 5, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60)),
    )


def june_board(village: Village) -> Board:
    """June's red list, confirmed: the households that earned most in the month."""
    draft = boards.prepare_board(
        actor=village.reviewer, village=village.place, month=date(2026, 6, 1)
    )
    return boards.confirm_board(actor=village.recorder, board=draft)


def meeting_vote(village: Village) -> Vote:
    return votes.create_vote(
        actor=village.reviewer,
        village=village.place,
        title="修村东水渠",
        question="村集体出资两万元修村东水渠，是否同意？",
        kind=Vote.Kind.MOTION,
        body=Vote.Body.HOUSEHOLDS,
        closes_at=timezone.now() + timedelta(days=5),
        idempotency_key=new_key(),
    )


def payouts(made: DividendRound) -> str:
    return reverse("dividends_payouts", args=[made.village.code, made.pk])


Snapshot = Callable[[Village], Any]

# Pages of something drawn up once over a village's households (a final dividend, a vote's
# electors, a month's lists): (page, who, what, its URL, its queries on SQLite). "secretary"
# is each village's own secretary.
SNAPSHOTS: list[tuple[str, str, Snapshot, Callable[[Any], str], int]] = [
    ("dividends_payouts", "township_officer", lambda v: final_round(v.place), payouts, 10),
    (
        "votes_meeting",
        "secretary",
        meeting_vote,
        lambda vote: reverse("votes_meeting", args=[vote.pk]),
        6,
    ),
    (
        "votes_vote",
        "secretary",
        meeting_vote,
        lambda vote: reverse("votes_vote", args=[vote.pk]),
        6,
    ),
    (
        "campaigns_board",
        "secretary",
        june_board,
        lambda b: reverse("campaigns_board", args=[b.pk]),
        10,
    ),
    (
        "campaigns_board_pdf",
        "secretary",
        june_board,
        lambda b: reverse("campaigns_board_pdf", args=[b.pk]),
        6,
    ),
]


@pytest.mark.parametrize(
    ("persona", "make", "url", "expected"),
    [
        pytest.param(persona, make, url, n, id=f"{page}-{persona}")
        for page, persona, make, url, n in SNAPSHOTS
    ],
)
def test_a_page_drawn_up_over_households_takes_as_many_queries_for_more_of_them(
    client: Client,
    world: World,
    django_assert_num_queries: Any,
    persona: str,
    make: Snapshot,
    url: Callable[[Any], str],
    expected: int,
) -> None:
    # Given 桂花村 with two households, and 双河村 with seven, each with its activity
    scene = small_world(world)
    more_households(scene.neighbour, 6)
    post_due_records(now=after_notice())
    sizes = [
        Household.objects.filter(village=v.place).count() for v in (scene.village, scene.neighbour)
    ]
    assert sizes == [2, 7]
    # And the thing drawn up over the households of each
    for village in (scene.village, scene.neighbour):
        made = make(village)
        who = village.reviewer.user if persona == "secretary" else world.people[persona]
        log_in(client, who)
        address = url(made)
        client.get(address)  # the first visit may write
        # When the persona gets its page, then it takes the queries written here in both
        with django_assert_num_queries(expected):
            assert client.get(address).status_code == 200
