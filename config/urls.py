from django.contrib import admin
from django.urls import include, path

from inspections import views

admin.site.site_header = "Inspection letters archive: administration"
admin.site.site_title = "Inspection letters admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    # Pages without a <link rel="icon"> (the admin's) make browsers ask for /favicon.ico.
    path("favicon.ico", views.favicon),
    path("", include("inspections.urls")),
]
