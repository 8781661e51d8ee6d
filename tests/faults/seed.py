"""The people, tokens, form and leads the fault suite's traffic needs, written into the stack's
database through the same factories and services as every other test; prints them as JSON.

Run as `python -m tests.faults.seed` with the stack's settings."""

import json
import sys

import django


def main() -> None:
    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.roles import Role
    from accounts.tokens import create_token
    from funnel.models import Stage
    from funnel.services import move_lead
    from tests.factories import (
        PASSWORD,
        CaptureFormFactory,
        LeadFactory,
        PersonaFactory,
        UserFactory,
    )

    marketer = UserFactory.create(username="maria", roles=[Role.MARKETING])
    rep = UserFactory.create(username="sam", roles=[Role.SALES])
    # Logs in with a code from an authenticator app.
    careful = UserFactory.create(username="tina", roles=[Role.MARKETING])
    secret = generate_totp_secret()
    TOTP.activate(careful, secret)
    persona = PersonaFactory.create(name="Engineering lead")
    mql = Stage.objects.get(slug="mql")
    mqls = [
        move_lead(
            lead_id=LeadFactory.create(marketing_owner=marketer, persona=persona).pk,
            to_stage_id=mql.pk,
            actor=marketer,
        ).pk
        for _ in range(40)
    ]
    form = CaptureFormFactory.create(
        owner=marketer, per_minute=100_000, per_address_per_minute=100_000
    )
    seeded = {
        "marketer": {"id": marketer.pk, "token": create_token(user=marketer, name="faults").secret},
        "rep": {"id": rep.pk, "token": create_token(user=rep, name="faults").secret},
        "password": PASSWORD,
        "two_factor": {"username": careful.username, "secret": secret},
        "persona": persona.pk,
        "mqls": mqls,
        "form": form.public_key,
        "origin": form.allowed_origins[0],
    }
    json.dump(seeded, sys.stdout)


if __name__ == "__main__":
    main()
