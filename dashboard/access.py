"""Who sees what on the home page and the dashboard. The pages and the API both ask here.

Nothing here is refused, so no rule has a refusal sentence: every signed-in person sees the same
dashboard (the shared funnel is the point; login and the API's authentication keep everyone
else out), and setting the goals it shows is funnel.access.can_set_goals. What differs by role is
the work the home page puts first."""

from accounts.models import User
from accounts.roles import Role, roles_of
from funnel.access import can_claim


def sees_marketing_work(user: User) -> bool:
    """Marketers find their own leads and their part of the funnel first."""
    return Role.MARKETING in roles_of(user)


def sees_mql_queue(user: User) -> bool:
    """The MQLs waiting for Sales, for those who may claim them."""
    return can_claim(user)


def sees_sales_work(user: User) -> bool:
    """Sales reps find their own pipeline first."""
    return Role.SALES in roles_of(user)


def sees_goal_progress(user: User) -> bool:
    """Managers, who set the revenue goal, find how it stands first (everyone sees it on the
    dashboard)."""
    return Role.MANAGERS in roles_of(user)
