"""Theme pages. Included by inspections/urls.py, inside the `inspections` namespace."""

from django.urls import path

from inspections import theme_views

urlpatterns = [
    path("themes/", theme_views.theme_list, name="theme-list"),
    path("themes/<slug:slug>/", theme_views.theme_detail, name="theme-detail"),
]
