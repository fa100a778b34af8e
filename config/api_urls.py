"""The REST API, version 1: one router, every endpoint listed here.

Throttling per token (`core/throttling.py`: writes counted in PostgreSQL, reads in Redis shared by every web
process, failing open) is
wired through `REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]` in config/settings.py, so it covers every
view below.
"""

from django.urls import path, re_path
from django.views.decorators.http import conditional_page
from rest_framework.routers import DefaultRouter

from core.api import api_not_found
from intake.api.views import ChangeRequestCreateApi, ChangeRequestDetailApi
from partners.api.views import DisclosurePlanListApi, PartnerListApi
from portfolio.api.views import (
    ExposureRegisterApi,
    HandoverListApi,
    PortfolioSummaryApi,
    ProjectViewSet,
    ServiceListApi,
    UnitCostApi,
)
from triage.api.views import QueueApi, ScoreDetailApi
from webhooks.api import views as webhook_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("projects", ProjectViewSet, basename="project")

urlpatterns = [
    path("requests/", ChangeRequestCreateApi.as_view(), name="request-create"),
    # A demand is one small row: its ETag is a digest of the body, and a matching If-None-Match gets 304.
    re_path(
        r"^requests/(?P<reference>[A-Za-z0-9-]{1,20})/$",
        conditional_page(ChangeRequestDetailApi.as_view()),
        name="request-detail",
    ),
    re_path(r"^requests/(?P<reference>[A-Za-z0-9-]{1,20})/score/$", ScoreDetailApi.as_view(), name="request-score"),
    re_path(
        r"^requests/(?P<reference>[A-Za-z0-9-]{1,20})/disclosure-plans/$",
        DisclosurePlanListApi.as_view(),
        name="request-disclosure-plans",
    ),
    path("queue/", QueueApi.as_view(), name="queue"),
    path("partners/", PartnerListApi.as_view(), name="partner-list"),
    path("handovers/", HandoverListApi.as_view(), name="handover-list"),
    path("exposure/", ExposureRegisterApi.as_view(), name="exposure-register"),
    path("services/", ServiceListApi.as_view(), name="service-list"),
    # Any segment reaches the view, which answers a JSON 404 for one that is not a service's id.
    re_path(r"^services/(?P<service_id>[^/]+)/unit-costs/$", UnitCostApi.as_view(), name="service-unit-costs"),
    path("portfolio/summary/", PortfolioSummaryApi.as_view(), name="portfolio-summary"),
    path("webhooks/endpoints/", webhook_api.WebhookEndpointListApi.as_view(), name="webhook-endpoints"),
    path(
        "webhooks/endpoints/<int:endpoint_id>/", webhook_api.WebhookEndpointDetailApi.as_view(), name="webhook-endpoint"
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/pause/",
        webhook_api.WebhookEndpointPauseApi.as_view(),
        name="webhook-pause",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/resume/",
        webhook_api.WebhookEndpointResumeApi.as_view(),
        name="webhook-resume",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/rotate-secret/",
        webhook_api.WebhookEndpointRotateSecretApi.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/ping/", webhook_api.WebhookEndpointPingApi.as_view(), name="webhook-ping"
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/deliveries/",
        webhook_api.WebhookDeliveryListApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        webhook_api.WebhookRedeliverApi.as_view(),
        name="webhook-redeliver",
    ),
    *router.urls,
    # Anything else under /api/v1/ is a 404 in the API's error shape.
    re_path(r"^.*$", api_not_found, name="not-found"),
]
