from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("requests/new/", views.change_request_new, name="new"),
    path("lost-link/", views.lost_link, name="lost_link"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/submitted/", views.track_submitted, name="track_submitted"),
    path("track/<str:token>/attachments/<int:attachment_id>/", views.track_attachment, name="track_attachment"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
