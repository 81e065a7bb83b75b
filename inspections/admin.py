"""Admin: browse and correct what the parser produced, and upload new letters."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse

from inspections.forms import LetterUploadForm
from inspections.importer import import_letter
from inspections.models import Authority, Finding, Inspection, Theme


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "authority_type", "la_code", "gss_code", "needs_review"]
    list_filter = ["needs_review", "region", "authority_type"]
    search_fields = ["name", "official_name", "aliases", "la_code", "gss_code", "code"]
    prepopulated_fields = {"slug": ["name"]}


class FindingInline(admin.TabularInline):
    model = Finding
    fields = ["position", "category", "heading", "text", "recurring"]
    extra = 0
    ordering = ["position"]


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["authority", "inspection_type", "letter_date", "priority_action", "source_name"]
    list_filter = ["inspection_type", "priority_action", "authority__region", "letter_date"]
    search_fields = ["authority__name", "title", "source_name", "inspectors"]
    date_hierarchy = "letter_date"
    autocomplete_fields = ["authority"]
    readonly_fields = ["content_hash", "imported_at"]
    inlines = [FindingInline]

    def get_urls(self):
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="inspections_inspection_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Upload letters; each goes through the same import as the command line."""
        results = None
        form = LetterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            results = [
                import_letter(
                    data=upload.read(),
                    source_name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                )
                for upload in form.cleaned_data["files"]
            ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload letters",
            "form": form,
            "results": results,
            "dry_run": form.is_bound and form.is_valid() and form.cleaned_data["dry_run"],
            "changelist_url": reverse("admin:inspections_inspection_changelist"),
        }
        return TemplateResponse(request, "admin/inspections/inspection/upload.html", context)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "heading", "inspection", "recurring"]
    list_filter = ["category", "recurring", "inspection__inspection_type"]
    search_fields = ["text", "heading", "inspection__authority__name"]
    list_select_related = ["inspection__authority"]
    raw_id_fields = ["inspection"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
