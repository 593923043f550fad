"""The ledger: append-only, double-entry, hash-chained and checkpointed per village.

Every posting moves points between a household's account and a village system account, so
that it sums to zero per measure. Entries are never updated or deleted: database triggers
refuse it (see migrations). Each entry stores the balance after it and the hash of its
canonical encoding, which includes the previous entry's hash.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Household, Place


class Measure(models.TextChoices):
    # Cumulative honour: ranks, stars, loans, dividends. Redeeming goods never lowers it.
    SCORE = "score", _("score")
    # What the points supermarket takes.
    SPENDABLE = "spendable", _("spendable balance")


class Account(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        ISSUED = "issued", _("points issued by the village")
        REDEEMED = "redeemed", _("points redeemed at the supermarket")
        LAPSED = "lapsed", _("unspent points lapsed at the end of a year")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    measure = models.CharField(max_length=10, choices=Measure.choices)
    # Maintained by the posting service under a row lock; verify_ledger recomputes it.
    balance = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "measure"],
                condition=Q(kind="household"),
                name="account_one_per_household_measure",
            ),
            models.UniqueConstraint(
                fields=["village", "kind", "measure"],
                condition=~Q(kind="household"),
                name="account_one_system_account",
            ),
            models.CheckConstraint(
                name="account_household_iff_kind",
                condition=Q(kind="household", household__isnull=False)
                | (~Q(kind="household") & Q(household__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.household_id or self.village_id}:{self.measure}"


class Posting(models.Model):
    """One balanced set of entries. A record is posted at most once: the database says so."""

    class Kind(models.TextChoices):
        RECORD = "record", _("record")
        CORRECTION = "correction", _("correction")
        REDEMPTION = "redemption", _("redemption")
        # A cancelled redemption: the reversing entries that return the points.
        CANCELLATION = "cancellation", _("cancelled redemption")
        LAPSE = "lapse", _("unspent points lapsed")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    record = models.OneToOneField(
        "records.Record", null=True, blank=True, on_delete=models.PROTECT, related_name="posting"
    )
    posted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"posting {self.pk}"


class Entry(models.Model):
    # No index of its own: the (village, seq) constraint's index starts with it.
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    # Position in the village's chain and Merkle tree: 1, 2, 3, … without gaps.
    seq = models.PositiveBigIntegerField()
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="entries")
    # No index of its own: the (account, seq) index starts with it.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    measure = models.CharField(max_length=10, choices=Measure.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    posted_at = models.DateTimeField()
    # What the points trace to: the record, its rule version, recorder, reviewer and notice.
    record = models.ForeignKey(
        "records.Record", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    reason = models.CharField(max_length=200, blank=True)
    previous_hash = models.CharField(max_length=64)
    # Not indexed: nothing looks an entry up by its hash, and (village, seq) is unique already.
    # An index of random 64-character keys would be the ledger's largest, and every posting
    # would write to a random page of it.
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["village", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["village", "seq"], name="entry_unique_seq"),
            models.CheckConstraint(name="entry_amount_not_zero", condition=~Q(amount=0)),
        ]
        indexes = [
            # A household's history and passbook: its accounts' entries in order.
            models.Index(fields=["account", "seq"], name="entry_account_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id}#{self.seq} {self.amount:+d}"


class ChainHead(models.Model):
    """The end of a village's chain. Locking this row serialises appends to the village."""

    village = models.OneToOneField(
        Place, primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    # The roots of the perfect subtrees of the Merkle tree so far, largest first, as
    # [[size, hex], ...]: a checkpoint's root in O(log n), without reading every entry.
    frontier = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.village_id}@{self.last_seq}"


class SigningKey(models.Model):
    """A township's Ed25519 key for signing its villages' checkpoints.

    The private key is kept in the database here; a deployment that can should keep it in a
    key management service and sign there. Retired keys stay so old checkpoints still verify.
    """

    township = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="signing_keys")
    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.BinaryField()
    private_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["township"], condition=Q(retired_at__isnull=True), name="key_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.key_id


class Checkpoint(models.Model):
    """A signed Merkle root over the first ``tree_size`` entries of a village."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="checkpoints")
    tree_size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    # The time exactly as it appears in the signed message, kept verbatim.
    signed_at_text = models.CharField(max_length=40)
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="checkpoints")
    signature = models.BinaryField()

    class Meta:
        ordering = ["village", "-tree_size", "-signed_at"]
        indexes = [models.Index(fields=["village", "-signed_at"], name="checkpoint_latest")]

    def __str__(self) -> str:
        return f"{self.village_id}@{self.tree_size}"


class Standing(models.Model):
    """A household's scores, maintained with every posting, for ranks and stars.

    Ranks come from counting, through an index, the households of a pool with a higher score.
    """

    household = models.OneToOneField(
        Household, primary_key=True, on_delete=models.PROTECT, related_name="standing"
    )
    # No indexes of their own: each place's score indexes below start with it.
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    township = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    county = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    score = models.BigIntegerField(default=0)
    year = models.PositiveSmallIntegerField()
    year_score = models.BigIntegerField(default=0)
    is_cadre = models.BooleanField(default=False)
    is_absent = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["village", "-score"], name="standing_village_score"),
            models.Index(fields=["township", "-score"], name="standing_township_score"),
            models.Index(fields=["county", "-score"], name="standing_county_score"),
            models.Index(fields=["village", "year", "-year_score"], name="standing_village_year"),
            models.Index(fields=["township", "year", "-year_score"], name="standing_township_year"),
            models.Index(fields=["county", "year", "-year_score"], name="standing_county_year"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.score}"


class ScoreCount(models.Model):
    """How many households of a township or county stand at one score: all time or in a year.

    A county's rank is one plus the households above a score, summed over a few thousand
    distinct scores instead of counted over a hundred thousand standings. Maintained in the
    posting transaction (see ``ranking.add_to_score_counts``); a household is counted at 0 from
    its registration, since households with nothing posted rank at 0 too.
    ``ranking.rebuild_score_counts`` recomputes them from the standings and the registry.
    """

    # The all-time counts; a year's counts hold the households whose standing is in that year.
    ALL_TIME = 0

    # No index of its own: the unique constraint's index starts with it.
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    score = models.BigIntegerField()
    # Rows that drop to 0 are left in place: they cost nothing and are likely to fill again.
    # No CHECK (households >= 0): both databases check the row an upsert proposes, a negative
    # change, before they find the conflict that turns it into an increment.
    households = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # Serves the upsert of each posting and every rank: (place, year, score > s).
            models.UniqueConstraint(
                fields=["place", "year", "score"], name="score_count_unique_place_year_score"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_id}/{self.year}/{self.score}: {self.households}"
