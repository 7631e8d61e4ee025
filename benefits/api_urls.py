from rest_framework.routers import SimpleRouter

from .api import budgets as budget_api
from .api import catalogue as catalogue_api
from .api import recognition as recognition_api
from .api import rewards as reward_api
from .api import thank_yous as thank_you_api

router = SimpleRouter()
router.register("benefits", catalogue_api.BenefitViewSet, basename="api-benefit")
router.register("rewards", reward_api.RewardViewSet, basename="api-reward")
router.register("budgets", budget_api.BudgetViewSet, basename="api-budget")
router.register("nominations", recognition_api.NominationViewSet, basename="api-nomination")
router.register("thank-yous", thank_you_api.ThankYouViewSet, basename="api-thank-you")
router.register("personal-notes", thank_you_api.PersonalNoteViewSet, basename="api-personal-note")

urlpatterns = router.urls
