"""The versions of a digest's stored content, and the one place where old content is read in the
current shape.

A digest keeps the figures it was built with, as JSON, so that a past week reads as it did. Its
sections change as the product grows; the page and the emails only know the current shape. So
every stored content carries the version of its shape (`content_version` on Digest and
TeamWeek), and content of an older version is upgraded here, step by step, before anything
renders it: a changed section never silently changes how past weeks read.

To change the shape: raise CURRENT_VERSION, add the step that turns content of the version
before into the new one to UPGRADES, and freeze an example of the new version into
tests/digests/content/ (tests/digests/test_content.py says how). Its test renders a stored
example of every version in the page and both emails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Section = dict[str, Any]

CURRENT_VERSION = 2


@dataclass(frozen=True)
class Upgrade:
    """How content of the version before reads in the next: the team's part (shared by every
    digest of a week) and a person's part (which depends on their role)."""

    team: Callable[[Section], Section]
    me: Callable[[Section, str], Section]


# The step to each version from the one before, by the version it leads to. Version 1 is the
# shape digests had before their content was versioned.
UPGRADES: dict[int, Upgrade] = {}


def _names_in_each_language(content: Any) -> Any:
    """Version 2 keeps a stage's or reason's name for each language ({"en": ..., "es": ...});
    version 1 kept the one name it was built with, which every reader now sees."""
    if isinstance(content, list):
        return [_names_in_each_language(item) for item in content]
    if not isinstance(content, dict):
        return content
    return {
        key: {"en": value, "es": value}
        if key in ("stage", "reason") and isinstance(value, str) and value
        else _names_in_each_language(value)
        for key, value in content.items()
    }


UPGRADES[2] = Upgrade(team=_names_in_each_language, me=lambda me, role: _names_in_each_language(me))


class UnknownVersion(ValueError):
    """Content of a version this code does not know: written by a newer release."""


def _steps(version: int) -> list[Upgrade]:
    if not 1 <= version <= CURRENT_VERSION:
        raise UnknownVersion(
            f"Digest content of version {version}; this release reads versions 1 to "
            f"{CURRENT_VERSION}. Was it built by a newer release?"
        )
    return [UPGRADES[to] for to in range(version + 1, CURRENT_VERSION + 1)]


def current_team(content: Section, *, version: int) -> Section:
    """A team week's content, of any version, in the current shape."""
    for step in _steps(version):
        content = step.team(content)
    return content


def current_digest(content: Section, *, version: int, role: str) -> Section:
    """A digest's content ({"team": ..., "me": ...}), of any version, in the current shape."""
    team, me = content["team"], content["me"]
    for step in _steps(version):
        team, me = step.team(team), step.me(me, role)
    return {"team": team, "me": me}
