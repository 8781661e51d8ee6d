"""Buyer personas: everyone reads them; Marketing and managers write them."""

import copy

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from leads.access import MANAGE_PERSONAS_REFUSAL, can_manage_personas
from leads.forms import PersonaForm
from leads.models import Persona
from leads.personas import (
    LATEST_LEADS,
    persona_conversion,
    persona_latest_leads,
    personas_with_lead_counts,
)
from leads.services import save_persona


@require_GET
def persona_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "personas": personas_with_lead_counts(),
        "can_manage": can_manage_personas(request.user),
    }
    return render(request, "leads/personas/list.html", context)


@require_GET
def persona_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona, pk=pk)
    context = {
        "persona": persona,
        "conversion": persona_conversion(persona),
        "leads": persona_latest_leads(persona),
        "latest_limit": LATEST_LEADS,
        "can_manage": can_manage_personas(request.user),
    }
    return render(request, "leads/personas/detail.html", context)


@require_http_methods(["GET", "POST"])
def persona_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _persona_form(request, Persona())


@require_http_methods(["GET", "POST"])
def persona_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _persona_form(request, get_object_or_404(Persona, pk=pk))


def _persona_form(request: AuthenticatedHttpRequest, persona: Persona) -> HttpResponse:
    """Create (from an unsaved `persona`) or edit one."""
    template = "leads/personas/form.html"
    if not can_manage_personas(request.user):
        refusal = str(MANAGE_PERSONAS_REFUSAL)
        return render(request, template, {"persona": persona, "refusal": refusal}, status=403)
    # The form writes into its instance while validating; the heading keeps the saved name.
    data = request.POST if request.method == "POST" else None
    form = PersonaForm(data, instance=copy.copy(persona))
    if request.method == "POST" and form.is_valid():
        saved = save_persona(persona=form.save(commit=False), actor=request.user)
        messages.success(request, _("The persona %(name)s was saved.") % {"name": saved.name})
        return redirect("persona_detail", pk=saved.pk)
    status = 400 if form.errors else 200
    return render(request, template, {"persona": persona, "form": form}, status=status)
