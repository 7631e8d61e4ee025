from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("requests", api.AdvocacyRequestViewSet, basename="api-request")

urlpatterns = router.urls
