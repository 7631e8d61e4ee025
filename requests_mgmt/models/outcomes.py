"""What came of a request, in the requester's words: whether the call was held, how the deal went,
and how the advocate's contribution was used (which the advocate is told)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from advocacy.models import Organization

from .requests import AdvocacyRequest


class DealResult(models.TextChoices):
    OPEN = "open", _("Still open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class RequestOutcome(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    request = models.OneToOneField(AdvocacyRequest, on_delete=models.CASCADE, related_name="outcome")
    call_held = models.BooleanField(_("the conversation took place"), null=True, blank=True)
    deal_result = models.CharField(_("deal"), max_length=10, choices=DealResult.choices, blank=True)
    deal_value = models.DecimalField(
        _("deal value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    usage = models.TextField(_("how the contribution was used"), blank=True, max_length=4000)
    usage_shared_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("request outcome")
        verbose_name_plural = _("request outcomes")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.deal_result or '-'}"
