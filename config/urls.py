from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from inspections import views
from inspections.sitemaps import SITEMAPS

admin.site.site_header = "Inspection letters archive: administration"
admin.site.site_title = "Inspection letters admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Pages without a <link rel="icon"> (the admin's) make browsers ask for /favicon.ico.
    path("favicon.ico", views.favicon),
    path("api/v1/", include("inspections.api.urls")),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("", include("inspections.urls")),
]
