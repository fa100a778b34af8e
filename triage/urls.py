from django.urls import path

from triage import views

app_name = "triage"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("scoring-model/", views.scoring_model, name="scoring_model"),
    path("scoring-model/v<str:version>/", views.scoring_model_version, name="scoring_model_version"),
    path("charts/", views.queue_charts_toggle, name="queue_charts"),
    path("export.csv", views.queue_export, name="export"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("views/", views.saved_view_create, name="saved_view_create"),
    path("views/<int:view_id>/default/", views.saved_view_default, name="saved_view_default"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("decision-times/", views.decision_times, name="decision_times"),
    path("capacity/", views.capacity, name="capacity"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/estimate/", views.estimate, name="estimate"),
    path("<str:reference>/decide/<str:outcome>/", views.decide, name="decide"),
    path("<str:reference>/ask/", views.ask_information, name="ask"),
    path("<str:reference>/reply/", views.comment_reply, name="comment_reply"),
    path("<str:reference>/note/", views.comment_note, name="comment_note"),
    path("<str:reference>/rescore/", views.retry_scoring, name="retry_scoring"),
    path("<str:reference>/customer/", views.assign_customer, name="assign_customer"),
    path("<str:reference>/owner/", views.assign_owner, name="assign_owner"),
    path("<str:reference>/similar/<int:pk>/", views.link_similar, name="link_similar"),
    path("<str:reference>/disclosure/", views.disclosure_propose, name="disclosure_propose"),
    path(
        "<str:reference>/disclosure/sign-off/",
        views.disclosure_decide,
        {"outcome": "signed_off"},
        name="disclosure_sign_off",
    ),
    path(
        "<str:reference>/disclosure/refuse/", views.disclosure_decide, {"outcome": "refused"}, name="disclosure_refuse"
    ),
]
