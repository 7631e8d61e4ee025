from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "requests_mgmt"
    verbose_name = _("Advocacy requests")
    default_auto_field = "django.db.models.BigAutoField"
