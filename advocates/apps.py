from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdvocatesConfig(AppConfig):
    name = "advocates"
    verbose_name = _("Advocates")
    default_auto_field = "django.db.models.BigAutoField"
