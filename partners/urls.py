from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("new/", views.partner_create, name="create"),
    path("<int:partner_id>/agreements/", views.agreement_add, name="agreement_add"),
    path("components/", views.component_list, name="components"),
]
