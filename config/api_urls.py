"""The REST API, version 1: one router, every endpoint listed here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from intake.api.views import ChangeRequestCreateApi, ChangeRequestDetailApi
from portfolio.api.views import ProjectViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("projects", ProjectViewSet, basename="project")

urlpatterns = [
    path("requests/", ChangeRequestCreateApi.as_view(), name="request-create"),
    path("requests/<str:reference>/", ChangeRequestDetailApi.as_view(), name="request-detail"),
    *router.urls,
]
