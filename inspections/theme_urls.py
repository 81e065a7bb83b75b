"""Theme pages. Included by inspections/urls.py, inside the `inspections` namespace."""

from django.urls import path

from inspections import feeds, theme_views
from inspections.freshness import conditional

urlpatterns = [
    path("themes/", theme_views.theme_list, name="theme-list"),
    path("themes/<slug:slug>/", theme_views.theme_detail, name="theme-detail"),
    path("themes/<slug:slug>/feed/", conditional(feeds.ThemeFeed()), name="theme-feed"),
]
