"""/api/v1/: the router's resources, the OpenAPI schema and its documentation page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from inspections.api import docs, schema, views

app_name = "api"
assert schema.ArchiveFilterExtension  # registered with drf-spectacular by its import

router = DefaultRouter()
router.register("councils", views.CouncilViewSet, basename="council")
router.register("letters", views.LetterViewSet, basename="letter")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("themes", views.ThemeViewSet, basename="theme")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.documentation, name="docs"),
    *router.urls,
]
