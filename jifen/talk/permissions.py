"""Who may raise, read, discuss, moderate, handle and rate the matters of a village."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import HOUSEHOLD_ROLES, VILLAGE_CADRE_ROLES, Role
from jifen.places.models import Place
from jifen.places.permissions import TOWNSHIP_ROLES
from jifen.talk.models import Comment, Matter, Task

# Everyone who acts in the village takes part: they read, comment, like and report.
VILLAGE_ROLES = (
    HOUSEHOLD_ROLES | VILLAGE_CADRE_ROLES | {Role.GRID_MEMBER, Role.SUPERVISOR, Role.REPRESENTATIVE}
)
RAISING_ROLES = HOUSEHOLD_ROLES | VILLAGE_CADRE_ROLES
OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}


def takes_part(actor: Actor, village: Place) -> bool:
    return village.is_village and actor.acts_as_at(VILLAGE_ROLES, village)


def is_cadre(actor: Actor, village: Place) -> bool:
    """A cadre of the village acting as cadre: replies officially, moderates, hands out tasks."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_view_talk(actor: Actor, village: Place) -> bool:
    """The village's matters: its people, and the township and county over it (read only)."""
    return takes_part(actor, village) or (
        village.is_village and actor.acts_as(OVERSIGHT_ROLES, village)
    )


def can_view_matter(actor: Actor, matter: Matter) -> bool:
    return can_view_talk(actor, matter.village)


def can_raise(actor: Actor, village: Place) -> bool:
    return village.is_village and actor.acts_as_at(RAISING_ROLES, village)


def can_comment(actor: Actor, matter: Matter) -> bool:
    return takes_part(actor, matter.village)


def can_like(actor: Actor, matter: Matter) -> bool:
    return takes_part(actor, matter.village)


def can_report(actor: Actor, comment: Comment) -> bool:
    """Anyone taking part flags someone else's comment that is still shown."""
    return (
        takes_part(actor, comment.matter.village)
        and comment.author_id != actor.user.pk
        and not comment.is_hidden
    )


def can_moderate(actor: Actor, village: Place) -> bool:
    """Hide comments and read the reported ones: the village's cadres."""
    return is_cadre(actor, village)


def can_hand_out_task(actor: Actor, matter: Matter) -> bool:
    return is_cadre(actor, matter.village)


def can_put_to_vote(actor: Actor, matter: Matter) -> bool:
    return is_cadre(actor, matter.village)


def is_assignee(actor: Actor, task: Task) -> bool:
    # Through ``all()``, so that a task read with its cadres prefetched costs no query.
    return any(user.pk == actor.user.pk for user in task.assignees.all())


def can_work_on(actor: Actor, task: Task) -> bool:
    """Post progress and mark done: any cadre of the village, and the cadres named on the task
    (in whatever role they act in the village)."""
    village = task.matter.village
    return is_cadre(actor, village) or (takes_part(actor, village) and is_assignee(actor, task))


def may_rate(actor: Actor, task: Task) -> bool:
    """The raiser, and the village's villagers; never a cadre named on the task.

    Whether the task is done and the window still open is the service's to say."""
    matter = task.matter
    if not takes_part(actor, matter.village) or is_assignee(actor, task):
        return False
    return actor.user.pk == matter.raised_by_id or actor.role in HOUSEHOLD_ROLES


def can_view_township_talk(actor: Actor, township: Place) -> bool:
    return township.kind == Place.Kind.TOWNSHIP and actor.acts_as(OVERSIGHT_ROLES, township)
