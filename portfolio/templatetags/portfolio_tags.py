"""Lets triage's page offer "add to an existing project" without triage importing portfolio."""

from django import template
from django.db.models import QuerySet

from portfolio.models import Project
from portfolio.selectors import project_open_choices

register = template.Library()


@register.simple_tag
def open_projects() -> QuerySet[Project]:
    return project_open_choices()


@register.simple_tag
def project_for_demand(change_request_id: int) -> Project | None:
    return Project.objects.filter(project_demands__change_request_id=change_request_id).only("code", "name").first()
