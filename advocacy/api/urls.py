from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("me", views.CurrentMembershipViewSet, basename="api-me")
router.register("members", views.MemberViewSet, basename="api-member")
router.register("invitations", views.InvitationViewSet, basename="api-invitation")
router.register("audit-events", views.AuditEventViewSet, basename="api-audit-event")

urlpatterns = router.urls
