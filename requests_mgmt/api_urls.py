from rest_framework.routers import SimpleRouter

from .api import requests as request_api

router = SimpleRouter()
router.register("requests", request_api.AdvocacyRequestViewSet, basename="api-request")

urlpatterns = router.urls
