"""Votes (表决): a question put to a body of the village, its frozen electorate, and ballots.

A vote is put to one of three bodies (DOMAIN.md §6): the villagers' meeting (residents aged 18
and over), a household vote (one vote per household), or the representatives' meeting. The
electorate is frozen when the vote opens, as ``Elector`` rows; each elector casts at most one
``Ballot`` (a database constraint says so). Tallies are counters on the options.

A secret ballot records *that* an elector voted, never *what* they chose: its ``Ballot`` has no
option, and the choice goes only into the option's counter. The quorum and passing rules live
in ``jifen.votes.rules``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Household, Place, Resident
from jifen.rules.models import RulebookVersion


class Vote(models.Model):
    class Kind(models.TextChoices):
        MOTION = "motion", _("Motion: for, against or abstain")
        CHOICE = "choice", _("Choice between options")

    class Body(models.TextChoices):
        VILLAGERS = "villagers", _("Villagers' meeting (residents aged 18 and over)")
        HOUSEHOLDS = "households", _("Household vote (one vote per household)")
        REPRESENTATIVES = "representatives", _("Representatives' meeting")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Not yet open")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="votes")
    matter = models.ForeignKey(
        "talk.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )
    title = models.CharField(_("title"), max_length=80)
    question = models.TextField(_("question"), max_length=2000)
    kind = models.CharField(_("kind of vote"), max_length=10, choices=Kind.choices)
    body = models.CharField(_("who votes"), max_length=16, choices=Body.choices)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    secret = models.BooleanField(_("secret ballot"), default=False)
    changes_allowed = models.BooleanField(_("voters may change their vote"), default=False)
    show_running_results = models.BooleanField(_("show results while open"), default=False)
    # The draft rulebook version this vote would adopt. SET_NULL: a draft a failed vote carried
    # may later be discarded; ``proposal`` keeps what was put to the vote.
    rule_change = models.ForeignKey(
        RulebookVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="votes"
    )
    # The change to the rulebook as it stood when the vote was created (jifen.votes.rulediff);
    # the draft cannot change while the vote is scheduled or open.
    proposal = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The result, filled in once at the close.
    electorate_size = models.PositiveIntegerField(null=True, blank=True)
    ballots_cast = models.PositiveIntegerField(null=True, blank=True)
    quorum_met = models.BooleanField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    winning_option = models.ForeignKey(
        "Option", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["village", "-opens_at"]
        constraints = [
            models.CheckConstraint(
                name="vote_kind_known", condition=Q(kind__in=["motion", "choice"])
            ),
            models.CheckConstraint(
                name="vote_body_known",
                condition=Q(body__in=["villagers", "households", "representatives"]),
            ),
            models.CheckConstraint(
                name="vote_status_known", condition=Q(status__in=["scheduled", "open", "closed"])
            ),
            models.CheckConstraint(
                name="vote_window_ordered", condition=Q(closes_at__gt=models.F("opens_at"))
            ),
            # Nothing links a secret ballot to its voter, so it can never be changed.
            models.CheckConstraint(
                name="vote_secret_not_changeable",
                condition=Q(secret=False) | Q(changes_allowed=False),
            ),
            # Running results beside a list of who voted when would give secret choices away.
            models.CheckConstraint(
                name="vote_secret_no_running_results",
                condition=Q(secret=False) | Q(show_running_results=False),
            ),
            # Only the villagers' meeting (in person or by household) adopts village rules.
            models.CheckConstraint(
                name="vote_rule_change_by_villagers",
                condition=Q(rule_change__isnull=True)
                | Q(kind="motion", body__in=["villagers", "households"]),
            ),
            models.CheckConstraint(
                name="vote_opened_has_electorate",
                condition=Q(
                    status="scheduled", opened_at__isnull=True, electorate_size__isnull=True
                )
                | Q(
                    status__in=["open", "closed"],
                    opened_at__isnull=False,
                    electorate_size__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="vote_closed_has_result",
                condition=Q(
                    status="closed",
                    closed_at__isnull=False,
                    published_at__isnull=False,
                    ballots_cast__isnull=False,
                    quorum_met__isnull=False,
                    passed__isnull=False,
                )
                | Q(
                    ~Q(status="closed"),
                    closed_at__isnull=True,
                    published_at__isnull=True,
                    ballots_cast__isnull=True,
                    quorum_met__isnull=True,
                    passed__isnull=True,
                    winning_option__isnull=True,
                ),
            ),
            # A draft is put to one vote at a time.
            models.UniqueConstraint(
                fields=["rule_change"],
                condition=Q(status__in=["scheduled", "open"]),
                name="vote_one_live_vote_per_draft",
            ),
        ]
        indexes = [
            # The village's votes page, newest first.
            models.Index(fields=["village", "-opens_at"], name="vote_village_opens"),
            # The job: scheduled votes due to open, open votes due a reminder or the close.
            models.Index(fields=["status", "opens_at"], name="vote_status_opens"),
            models.Index(fields=["status", "closes_at"], name="vote_status_closes"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def carries_rule_change(self) -> bool:
        return bool(self.proposal)


class Option(models.Model):
    """A choice on the ballot, with its running count (changed only with ``F()``)."""

    class Side(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Against")
        ABSTAIN = "abstain", _("Abstain")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    # A motion's fixed options have a side and no label; a choice's options have a label.
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    label = models.CharField(_("option"), max_length=60, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["vote", "position"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "position"], name="option_unique_position"),
            models.CheckConstraint(
                name="option_side_or_label",
                condition=Q(side__in=["for", "against", "abstain"], label="")
                | Q(side="", label__gt=""),
            ),
            models.CheckConstraint(name="option_count_not_negative", condition=Q(count__gte=0)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(self.get_side_display()) if self.side else self.label


class Elector(models.Model):
    """One member of a vote's electorate, frozen when the vote opened.

    ``kind`` repeats the vote's body so that the database can check that exactly the right one
    of resident, household and user is set.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    kind = models.CharField(max_length=16, choices=Vote.Body.choices)
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Household votes: the member the head named to cast the household's vote (besides the head).
    delegate = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["vote", "id"]
        constraints = [
            models.CheckConstraint(
                name="elector_one_of_its_kind",
                condition=Q(
                    kind="villagers",
                    resident__isnull=False,
                    household__isnull=True,
                    user__isnull=True,
                )
                | Q(
                    kind="households",
                    resident__isnull=True,
                    household__isnull=False,
                    user__isnull=True,
                )
                | Q(
                    kind="representatives",
                    resident__isnull=True,
                    household__isnull=True,
                    user__isnull=False,
                ),
            ),
            models.CheckConstraint(
                name="elector_delegate_only_for_households",
                condition=Q(delegate__isnull=True) | Q(kind="households"),
            ),
            # One elector per person, household or representative; these also serve the
            # look-up of "my" elector in a vote.
            models.UniqueConstraint(
                fields=["vote", "resident"],
                condition=Q(resident__isnull=False),
                name="elector_unique_resident",
            ),
            models.UniqueConstraint(
                fields=["vote", "household"],
                condition=Q(household__isnull=False),
                name="elector_unique_household",
            ),
            models.UniqueConstraint(
                fields=["vote", "user"],
                condition=Q(user__isnull=False),
                name="elector_unique_user",
            ),
        ]
        indexes = [
            # Household votes: the vote a named member may cast.
            models.Index(fields=["delegate"], name="elector_delegate"),
        ]

    def __str__(self) -> str:
        return f"elector {self.pk}"


class Ballot(models.Model):
    """That an elector voted: once, whoever cast it. For a secret vote, nothing more."""

    class Channel(models.TextChoices):
        APP = "app", _("in the app")
        MEETING = "meeting", _("at the meeting, recorded by a cadre")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="ballots")
    # Repeats the vote's flag so that the database can refuse a secret ballot with a choice.
    secret = models.BooleanField()
    option = models.ForeignKey(
        Option, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.APP)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    times_changed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [
            # One vote per voter: a double tap, or two household members at once, cannot both
            # count.
            models.UniqueConstraint(fields=["vote", "elector"], name="ballot_one_per_elector"),
            models.CheckConstraint(
                name="ballot_secret_has_no_choice",
                condition=Q(secret=True, option__isnull=True)
                | Q(secret=False, option__isnull=False),
            ),
            models.CheckConstraint(
                name="ballot_secret_cast_in_app",
                condition=Q(secret=False) | Q(channel="app", times_changed=0),
            ),
            models.CheckConstraint(
                name="ballot_channel_known", condition=Q(channel__in=["app", "meeting"])
            ),
        ]

    def __str__(self) -> str:
        # Never the choice: this text goes into the audit trail.
        return f"ballot {self.pk}"
