from django.urls import path

from .views import imports

app_name = "imports"

urlpatterns = [
    path("", imports.import_list, name="import-list"),
    path("new/", imports.import_upload, name="import-upload"),
    path("<uuid:public_id>/", imports.import_detail, name="import-detail"),
    path("<uuid:public_id>/columns/", imports.import_mapping, name="import-mapping"),
    path("<uuid:public_id>/progress/", imports.import_progress, name="import-progress"),
    path("<uuid:public_id>/confirm/", imports.import_confirm, name="import-confirm"),
    path("<uuid:public_id>/cancel/", imports.import_cancel, name="import-cancel"),
    path("export/advocates.csv", imports.export_advocates, name="export-advocates"),
    path("export/accounts.csv", imports.export_accounts, name="export-accounts"),
]
