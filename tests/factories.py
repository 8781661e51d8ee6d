"""Builders of test data. Leads enter the funnel with their creation history row, as in life."""

from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from funnel.models import ChangeKind, Stage, StageChange
from leads.models import CaptureForm, Lead, Persona, Source

PASSWORD = "correct horse battery staple"


def _add_roles(user: User, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
    if create and extracted:
        user.groups.add(*Group.objects.filter(name__in=[role.value for role in extracted]))


def _record_entry(lead: Lead, create: bool, extracted: Any, **kwargs: Any) -> None:
    """Write the history row that a lead gets when it enters the funnel."""
    if create:
        StageChange.objects.create(
            lead=lead,
            kind=ChangeKind.CREATED,
            to_stage=lead.stage,
            actor=lead.marketing_owner,
            at=lead.created_at,
        )


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)

    roles = factory.PostGeneration(_add_roles)


class PersonaFactory(factory.django.DjangoModelFactory[Persona]):
    class Meta:
        model = Persona
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Persona {n}")
    description = "Runs a small team and buys tools for it."


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    """A lead in the first stage, with the history row that put it there."""

    class Meta:
        model = Lead
        skip_postgeneration_save = True

    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"lead{n}@example.org")
    company = factory.Faker("company")
    source = Source.WEBSITE
    stage = factory.LazyFunction(lambda: Stage.objects.get(slug="new"))
    created_at = factory.LazyFunction(timezone.now)
    stage_entered_at = factory.LazyAttribute(lambda lead: lead.created_at)

    history = factory.PostGeneration(_record_entry)

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        """A lead given only the time it entered its stage existed since then at the latest
        (no lead enters a stage before it exists: Lead's lead_enters_stage_once_created)."""
        if kwargs["stage_entered_at"] < kwargs["created_at"]:
            kwargs["created_at"] = kwargs["stage_entered_at"]
        return kwargs


def complete_lead(**overrides: Any) -> Lead:
    """A lead with every detail filled in, as a careful marketer logs one."""
    details: dict[str, Any] = {
        "full_name": "Ada Lovelace",
        "email": "ada@engines.example",
        "phone": "+44 20 7946 0000",
        "company": "Analytical Engines",
        "job_title": "Head of Engineering",
        "country": "United Kingdom",
        "source": Source.EVENT,
        "campaign": "Spring summit",
        "persona": PersonaFactory.create(name="Engineering lead"),
        "expected_value": Decimal("12500.00"),
    }
    return LeadFactory.create(**(details | overrides))


class CaptureFormFactory(factory.django.DjangoModelFactory[CaptureForm]):
    """A website form on https://www.example.com, accepting submissions."""

    class Meta:
        model = CaptureForm

    name = factory.Sequence(lambda n: f"Contact form {n}")
    campaign = "Spring launch"
    allowed_origins = factory.LazyFunction(lambda: ["https://www.example.com"])
