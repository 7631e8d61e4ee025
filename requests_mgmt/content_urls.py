"""Content approvals pages, mounted at the organisation's root: ``content/…`` for the program team
and internal approvers, ``portal/content/…`` for the advocate's own step."""

from django.urls import path

from .views import content as views
from .views import content_portal as portal_views

app_name = "content"

urlpatterns = [
    path("content/", views.content_list, name="content-list"),
    path("content/approvals/", views.content_approvals, name="content-approvals"),
    path("content/new/", views.content_create, name="content-create"),
    path("content/<uuid:public_id>/", views.content_detail, name="content-detail"),
    path("content/<uuid:public_id>/edit/", views.content_edit, name="content-edit"),
    path("content/<uuid:public_id>/submit/", views.content_submit, name="content-submit"),
    path("content/<uuid:public_id>/decide/", views.content_decide, name="content-decide"),
    path("content/<uuid:public_id>/publications/", views.publication_add, name="publication-add"),
    path(
        "content/<uuid:public_id>/publications/<int:publication_id>/withdraw/",
        views.publication_withdraw,
        name="publication-withdraw",
    ),
    path("portal/content/", portal_views.portal_content_list, name="portal-list"),
    path("portal/content/<uuid:public_id>/", portal_views.portal_content_detail, name="portal-detail"),
]
