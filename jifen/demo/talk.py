"""Villagers Talk and votes in the demo: in every village, matters at each stage, tasks in hand,
overdue and done, ratings, votes that passed and failed and one still open; in the showcase
village a vote that changed the rulebook and a hidden comment.

Written through the services with the simulated ``now``, after the year of activity. Ballots of
the villagers' meetings are recorded by the secretary from the meeting's register, as villages
without a phone in every hand do.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role, RoleGrant, User
from jifen.accounts.services import grant_role
from jifen.core.idempotency import new_key
from jifen.places.models import Place, Resident
from jifen.rules import services as rules
from jifen.rules.models import Item, RulebookVersion
from jifen.talk import services as talk
from jifen.talk.models import Matter, Task
from jifen.votes import ballots
from jifen.votes import services as votes
from jifen.votes.models import Elector, Option, Vote

Category = Matter.Category

# Category, title, text: what villagers raise.
MATTERS: list[tuple[str, str, str]] = [
    (Category.REPAIR, "村口路灯不亮了", "村口到二组的三盏路灯坏了一个多月，晚上老人出门不安全。"),
    (Category.REPAIR, "三组灌溉渠堵塞", "三组的灌溉渠被垃圾和淤泥堵住，春灌前需要清理。"),
    (Category.REPAIR, "通往小学的村道坑洼", "村道有几处大坑，下雨积水，孩子上学容易摔倒。"),
    (Category.COMPLAINT, "垃圾清运不及时", "五组的垃圾桶经常满了两三天才清运，夏天气味很大。"),
    (Category.REPAIR, "自来水主管道漏水", "二组的自来水主管道漏水，早晚用水时水压很低。"),
    (Category.SUGGESTION, "建议增设健身器材", "文化广场只有两件器材，建议添几件适合老人的。"),
    (Category.SUGGESTION, "希望办老年食堂", "独居老人做饭不方便，建议村里办个老年食堂。"),
    (Category.PROPOSAL, "提议在文化广场建凉亭", "夏天没有乘凉的地方，建议在广场边建一座凉亭。"),
    (Category.PROPOSAL, "提议统一收取卫生保洁费", "建议每户每年交 60 元卫生保洁费，用于请保洁员。"),
]
COMMENTS = [
    "我也遇到过，希望尽快解决。",
    "支持！",
    "这个问题好几年了。",
    "能不能先临时处理一下？",
    "附近几户都有这个情况。",
    "同意，村里应该管管。",
]
REPLIES = [
    "收到，村两委已安排人员现场查看，尽快处理。",
    "感谢反映，我们明天上午去看，处理结果会在这里公布。",
    "已记录，会提交村两委会议研究。",
]
PROGRESS = [
    "已到现场查看，材料已采购。",
    "施工队已进场，预计本周完工。",
    "已完成大部分，剩余收尾。",
]
RATINGS = [
    (5, "处理很快，满意！"),
    (4, "解决了，就是慢了一点。"),
    (5, "干部负责，点赞。"),
    (3, "基本解决，希望以后及时些。"),
]


@dataclass
class _People:
    village: Place
    secretary: Actor
    committee: Actor
    villagers: list[Actor]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _actor(grant: RoleGrant) -> Actor:
    return Actor(user=grant.user, grant=grant, ip_address="127.0.0.1")


def _people(village: Place, password: str, rng: random.Random) -> _People:
    """The village's cadres, and villagers with accounts: those the demo has, and four more."""
    grants = RoleGrant.objects.filter(place=village, revoked_at__isnull=True).select_related(
        "user", "place"
    )
    secretary = next(g for g in grants if g.role == Role.SECRETARY)
    committee = next(g for g in grants if g.role == Role.COMMITTEE_MEMBER)
    cadres = {g.user_id for g in grants if g.role in VILLAGE_CADRE_ROLES}
    # One grant per person: a household head holds the villager's role too.
    villagers = list(
        {
            g.user_id: g
            for g in grants
            if g.role in (Role.VILLAGER, Role.HOUSEHOLD_HEAD) and g.user_id not in cadres
        }.values()
    )
    taken = set(User.objects.values_list("phone", flat=True))
    candidates = [
        r
        for r in Resident.objects.filter(village=village, at_home=True, account__isnull=True)
        .exclude(phone="")
        .order_by("pk")
        if r.phone not in taken
    ]
    for resident in rng.sample(candidates, min(4, len(candidates))):
        user = User.objects.create(
            phone=resident.phone, name=resident.name, resident=resident, password=password
        )
        villagers.append(grant_role(actor=None, user=user, role=Role.VILLAGER, place=village))
    return _People(village, _actor(secretary), _actor(committee), [_actor(g) for g in villagers])


def _raise(
    rng: random.Random, people: _People, index: int, at: datetime, *, replied: bool = True
) -> Matter:
    category, title, text = MATTERS[index]
    raiser = people.villagers[index % len(people.villagers)]
    matter = talk.raise_matter(
        actor=raiser,
        village=people.village,
        title=title,
        text=text,
        category=category,
        idempotency_key=new_key(),
        now=at,
    )
    others = [v for v in people.villagers if v is not raiser]
    for n, villager in enumerate(rng.sample(others, min(len(others), rng.randint(1, 3)))):
        talk.set_like(actor=villager, matter=matter, liked=True, now=at + timedelta(hours=n + 1))
        if rng.random() < 0.6:
            talk.comment_on(
                actor=villager,
                matter=matter,
                text=rng.choice(COMMENTS),
                idempotency_key=new_key(),
                now=at + timedelta(hours=n + 1, minutes=10),
            )
    if replied:
        talk.comment_on(
            actor=people.secretary,
            matter=matter,
            text=rng.choice(REPLIES),
            idempotency_key=new_key(),
            now=at + timedelta(hours=rng.randint(2, 30)),
        )
    return matter


def _task(rng: random.Random, people: _People, matter: Matter, start: datetime, due: date) -> Task:
    task = talk.create_task(
        actor=people.secretary,
        matter=matter,
        text=f"负责处理：{matter.title}",
        assignees=[people.committee.user],
        due_on=due,
        now=start,
    )
    talk.post_progress(
        actor=people.committee,
        task=task,
        text=rng.choice(PROGRESS),
        idempotency_key=new_key(),
        now=start + timedelta(days=1),
    )
    return task


def _finish(rng: random.Random, people: _People, task: Task, done: datetime, rate: bool) -> None:
    talk.mark_done(actor=people.committee, task=task, now=done)
    if not rate:
        return
    raiser = next(v for v in people.villagers if v.user.pk == task.matter.raised_by_id)
    raters = [raiser, *rng.sample([v for v in people.villagers if v is not raiser], 1)]
    for n, villager in enumerate(raters):
        stars, comment = rng.choice(RATINGS)
        talk.rate(
            actor=villager,
            task=task,
            stars=stars,
            comment=comment,
            now=done + timedelta(days=n + 1),
        )


def _meeting(
    rng: random.Random,
    people: _People,
    vote: Vote,
    *,
    turnout: float,
    shares: Sequence[float],
    at: datetime,
) -> None:
    """The secretary records the meeting's register: who took part and how they voted."""
    options = list(Option.objects.filter(vote=vote).order_by("position"))
    electors = list(Elector.objects.filter(vote=vote).order_by("pk"))
    present = rng.sample(electors, round(len(electors) * turnout))
    choices = [(e, rng.choices(options, weights=shares)[0]) for e in present]
    ballots.record_meeting_ballots(actor=people.secretary, vote=vote, choices=choices, now=at)


def _vote(
    people: _People,
    *,
    title: str,
    question: str,
    body: str,
    opens: datetime,
    days: int,
    matter: Matter | None = None,
    options: Sequence[str] = (),
    rule_change: RulebookVersion | None = None,
) -> Vote:
    return votes.create_vote(
        actor=people.secretary,
        village=people.village,
        title=title,
        question=question,
        kind=Vote.Kind.CHOICE if options else Vote.Kind.MOTION,
        body=body,
        opens_at=opens,
        closes_at=opens + timedelta(days=days),
        options=options,
        matter=matter,
        rule_change=rule_change,
        idempotency_key=new_key(),
        now=opens,
    )


def _village(rng: random.Random, people: _People, end: date, showcase: bool) -> None:
    def day(*, days: int) -> date:
        return end - timedelta(days=days)

    # Waiting for a reply, replied, in hand, overdue, done (to rate), rated.
    _raise(rng, people, 0, _at(end, 8) - timedelta(hours=20), replied=False)
    _raise(rng, people, 5, _at(day(days=3), 10))
    in_hand = _raise(rng, people, 1, _at(day(days=12), 9))
    _task(rng, people, in_hand, _at(day(days=11), 10), end + timedelta(days=10))
    overdue = _raise(rng, people, 2, _at(day(days=40), 9))
    _task(rng, people, overdue, _at(day(days=38), 10), day(days=8))
    to_rate = _raise(rng, people, 3, _at(day(days=20), 9))
    task = _task(rng, people, to_rate, _at(day(days=19), 10), day(days=9))
    _finish(rng, people, task, _at(day(days=5), 16), rate=False)
    rated = _raise(rng, people, 4, _at(day(days=60), 9))
    task = _task(rng, people, rated, _at(day(days=59), 10), day(days=45))
    _finish(rng, people, task, _at(day(days=50), 16), rate=True)

    # A household vote that passed, then the work it decided, in hand.
    pavilion = _raise(rng, people, 7, _at(day(days=75), 9))
    vote = _vote(
        people,
        title="是否在文化广场建凉亭",
        question="村里出资 3.8 万元在文化广场边建一座凉亭，是否同意？",
        body=Vote.Body.HOUSEHOLDS,
        opens=_at(day(days=70), 9),
        days=5,
        matter=pavilion,
    )
    _meeting(rng, people, vote, turnout=0.78, shares=(80, 12, 8), at=_at(day(days=68), 19))
    votes.close_vote(actor=people.secretary, vote=vote, now=_at(day(days=65), 9))
    _task(rng, people, pavilion, _at(day(days=64), 10), end + timedelta(days=20))

    # A villagers' meeting that failed: too few came.
    fee = _raise(rng, people, 8, _at(day(days=35), 9))
    vote = _vote(
        people,
        title="是否统一收取卫生保洁费",
        question="每户每年交 60 元卫生保洁费，用于聘请保洁员，是否同意？",
        body=Vote.Body.VILLAGERS,
        opens=_at(day(days=30), 9),
        days=5,
        matter=fee,
    )
    _meeting(rng, people, vote, turnout=0.42, shares=(55, 35, 10), at=_at(day(days=28), 19))
    votes.close_vote(actor=people.secretary, vote=vote, now=_at(day(days=25), 9))

    # A choice still open: the window closes in three days.
    canteen = _raise(rng, people, 6, _at(day(days=6), 9))
    _vote(
        people,
        title="老年食堂办在哪里",
        question="老年食堂选址，请每户选一处。",
        body=Vote.Body.HOUSEHOLDS,
        opens=_at(day(days=2), 9),
        days=5,
        matter=canteen,
        options=["村委会一楼", "老学校", "文化广场旁"],
    )
    if showcase:
        _change_rules(rng, people, end)
        _moderate(people, pavilion, _at(day(days=74), 9))


def _change_rules(rng: random.Random, people: _People, end: date) -> None:
    """The showcase village adds 'weddings without a banquet' to its rules, by a household vote."""
    village = people.village
    draft = rules.draft_new_version(actor=None, village=village)
    category = draft.categories.order_by("position").first()
    assert category is not None
    rules.save_item(
        actor=None,
        version=draft,
        code="Z01",
        category=category,
        title="婚事新办，不办婚前宴",
        points=10,
        unit=Item.Unit.PER_EVENT,
        scope=Item.Scope.HOUSEHOLD,
        cap_points=None,
        cap_period="",
        evidence_required=False,
        self_declarable=False,
        sensitive=False,
        kind=Item.Kind.NORMAL,
    )
    opens = _at(end - timedelta(days=55), 9)
    vote = _vote(
        people,
        title="修订村规民约：婚事新办",
        question="在积分细则中增加“婚事新办，不办婚前宴，每次加 10 分”，是否同意？",
        body=Vote.Body.HOUSEHOLDS,
        opens=opens,
        days=5,
        rule_change=draft,
    )
    _meeting(rng, people, vote, turnout=0.81, shares=(86, 8, 6), at=opens + timedelta(days=2))
    votes.close_vote(actor=people.secretary, vote=vote, now=opens + timedelta(days=5, hours=1))


def _moderate(people: _People, matter: Matter, at: datetime) -> None:
    """A rude comment, reported by a villager and hidden by the secretary, with the reason."""
    author, reporter = people.villagers[0], people.villagers[1]
    comment = talk.comment_on(
        actor=author,
        matter=matter,
        text="建凉亭就是乱花钱，干部自己想乘凉吧！",
        idempotency_key=new_key(),
        now=at,
    )
    talk.report_comment(
        actor=reporter, comment=comment, reason="人身攻击", now=at + timedelta(hours=2)
    )
    talk.hide_comment(
        actor=people.secretary,
        comment=comment,
        reason="含有针对干部的人身攻击；欢迎就事论事发表意见。",
        now=at + timedelta(hours=5),
    )


def add_talk(county: Place, *, rng: random.Random, end: date) -> None:
    """Villagers Talk and votes in every village of ``county``, up to ``end``."""
    villages = list(
        Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path).order_by("code")
    )
    # Every demo account shares one password hash: reuse it rather than hash again.
    password = User.objects.filter(grants__place__path__startswith=county.path).first()
    assert password is not None
    for n, village in enumerate(villages):
        with transaction.atomic():
            people = _people(village, password.password, rng)
            _village(rng, people, end, showcase=n == 0)
