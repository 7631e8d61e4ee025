from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("advocates", api.AdvocateViewSet, basename="api-advocate")
router.register("accounts", api.CustomerAccountViewSet, basename="api-account")

urlpatterns = router.urls
