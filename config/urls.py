from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Inspection letters archive: administration"
admin.site.site_title = "Inspection letters admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("inspections.urls")),
]
