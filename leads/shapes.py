"""The shapes of data the demo generator can make (`manage.py seed_demo --shape NAME`).

A shape is a set of knobs, nothing else: how many people, how skewed their ownership, how many
campaigns, sources and personas, which scripts names are written in, how long the timelines, the
notes and the history. The demo's own shape is one of them; the others are the shapes real teams
have, on which every page must stay fast (the benchmark, `manage.py bench`, is run on each).
To add one, add a Shape to SHAPES: the generator and the benchmark read nothing else.
"""

from dataclasses import dataclass
from enum import StrEnum

from leads.models import Source


class Script(StrEnum):
    """How the names and companies of a share of the leads are written."""

    # The demo's own names: mostly plain Latin letters, a few accents.
    LATIN = "latin"
    # Names full of diacritics and letters outside Western Europe's (Ł, ő, ș, ỹ, ß).
    ACCENTED = "accented"
    # Chinese, Japanese and Korean names, family name first with no space: many have two
    # characters, shorter than the trigrams a search index is made of.
    CJK = "cjk"
    # Names and companies with an emoji in them, as people type them into forms.
    EMOJI = "emoji"


@dataclass(frozen=True)
class Shape:
    """The knobs of one shape. Shares are fractions of all the leads (or of the sales-owned
    ones); None keeps the demo's own way of choosing."""

    name: str
    description: str
    # Everyone with a login, the six demo logins included; the others are marketers, reps and a
    # few managers, in the proportions of the demo (two marketers to three reps).
    people: int = 6
    # The share of all leads owned by the busiest marketer, and of the sales-owned leads held by
    # the busiest rep; the rest fall off like a power law, so some people own a handful. None:
    # the demo's way (each source belongs to one marketer, reps claim by their profile).
    top_marketer_share: float | None = None
    top_rep_share: float | None = None
    # Distinct campaigns, spread over the sources, a few of them far more used than the rest.
    # None: the demo's two dozen campaigns named after the sources and months.
    campaigns: int | None = None
    # Distinct sources used. Source is a fixed list of choices on Lead (leads.models.Source),
    # so a shape can use at most all of them.
    sources: int = len(Source)
    # Personas, the demo's five first; the others are generated. The share of the leads of the
    # most common persona, the rest falling off like a power law. None: the demo's shares.
    personas: int = 5
    top_persona_share: float | None = None
    # The scripts names and companies are written in, with their weights.
    scripts: tuple[tuple[Script, int], ...] = ((Script.LATIN, 1),)
    # Every `long_timeline_every`-th lead (lead 0 first) has `long_timeline_entries` calls,
    # emails, meetings and notes on its timeline.
    long_timeline_every: int | None = None
    long_timeline_entries: int = 0
    # The share of leads with a few notes, and the share of those notes that are long.
    notes_share: float = 0.0
    long_note_share: float = 0.0
    long_note_chars: int = 4000
    # How far back the leads go, and how persistent the teams are with a lead sent back (more
    # recycles, each more likely to qualify again: more stage changes per lead).
    history_days: int = 182
    max_recycles: int = 2
    requalify: float = 0.3

    def __post_init__(self) -> None:
        if not 1 <= self.sources <= len(Source):
            raise ValueError(f"{self.name}: sources must be between 1 and {len(Source)}")
        if self.people < 6 or self.personas < 5:
            raise ValueError(f"{self.name}: the demo's six people and five personas come first")


DEMO = Shape(
    name="demo",
    description=(
        "The demo: six people, five personas, each source owned by one marketer, two dozen "
        "campaigns, six months of history."
    ),
)
SKEWED = Shape(
    name="skewed",
    description=(
        "A big team's skew: 200 people, one marketer owning 40% of the leads and one rep 30% of "
        "the sales-owned ones; 2,000 campaigns, every source, 40 personas; names in Latin with "
        "accents, CJK and emoji; a 2,000-entry timeline every 20,000 leads, long notes, three "
        "years of history with about five stage changes per lead."
    ),
    people=200,
    top_marketer_share=0.40,
    top_rep_share=0.30,
    campaigns=2000,
    personas=40,
    top_persona_share=0.25,
    scripts=((Script.LATIN, 55), (Script.ACCENTED, 20), (Script.CJK, 20), (Script.EMOJI, 5)),
    long_timeline_every=20_000,
    long_timeline_entries=2000,
    notes_share=0.4,
    long_note_share=0.05,
    history_days=3 * 365,
    max_recycles=4,
    requalify=0.7,
)

SHAPES: dict[str, Shape] = {shape.name: shape for shape in (DEMO, SKEWED)}
