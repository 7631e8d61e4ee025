from rest_framework.routers import SimpleRouter

from .api import campaigns as campaign_api
from .api import content as content_api
from .api import engagement as engagement_api
from .api import outreach as outreach_api
from .api import referrals as referral_api
from .api import requests as request_api

router = SimpleRouter()
router.register("requests", request_api.AdvocacyRequestViewSet, basename="api-request")
router.register("campaigns", campaign_api.CampaignViewSet, basename="api-campaign")
router.register("asks", outreach_api.AskViewSet, basename="api-ask")
router.register("referrals", referral_api.ReferralViewSet, basename="api-referral")
router.register("content", content_api.ContentPieceViewSet, basename="api-content")
router.register("engagements", engagement_api.EngagementViewSet, basename="api-engagement")
router.register("request-outcomes", engagement_api.RequestOutcomeViewSet, basename="api-request-outcome")

urlpatterns = router.urls
