from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.csv", views.project_export, name="export"),
    path("calibration/", views.calibration, name="calibration"),
    path("approve/<str:reference>/", views.approve, name="approve"),
    path("services/", views.service_list, name="services"),
    path("services/<int:service_id>/", views.service_detail, name="service"),
    path("services/<int:service_id>/unit-costs/", views.record_unit_cost, name="record_unit_cost"),
    path("exposure/", views.exposure_register, name="exposure"),
    path("customers/", views.customer_list, name="customers"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
    path("customers/<int:customer_id>/export.csv", views.customer_export, name="customer_export"),
    path("<str:code>/", views.project_detail, name="detail"),
    path("<str:code>/updates/", views.post_status_update, name="post_update"),
    path("<str:code>/milestones/", views.add_milestone, name="add_milestone"),
    path("<str:code>/milestones/<int:pk>/", views.tick_milestone, name="tick_milestone"),
    path("<str:code>/progress/", views.update_progress, name="update_progress"),
    path("<str:code>/revenue/", views.record_revenue, name="record_revenue"),
    path("<str:code>/handovers/", views.record_handover, name="record_handover"),
]
