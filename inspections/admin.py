"""Admin: browse and correct what the parser produced, and upload new letters."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from inspections import selectors
from inspections.forms import LetterUploadForm, upload_problem
from inspections.importer import ImportResult, Outcome, import_letter
from inspections.models import (
    Authority,
    Finding,
    FindingTheme,
    Inspection,
    Theme,
    ThemeRejection,
)
from inspections.themes import rules as theme_rules
from inspections.themes import services, tagging


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


class NeedsReviewFilter(admin.SimpleListFilter):
    """Letters the parser had doubts about (dates that cannot be right, no sign-off)."""

    title = "needs review"
    parameter_name = "needs_review"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(review_notes="")
        if self.value() == "no":
            return queryset.filter(review_notes="")
        return queryset


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["authority", "inspection_type", "letter_date", "priority_action", "source_name"]
    list_filter = [
        NeedsReviewFilter,
        "inspection_type",
        "priority_action",
        "authority__region",
        "letter_date",
    ]
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
        # admin_view only asks for staff status; importing creates inspections.
        if not self.has_add_permission(request):
            raise PermissionDenied
        results = None
        form = LetterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            results = [
                self._import_upload(upload, dry_run=form.cleaned_data["dry_run"])
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

    @staticmethod
    def _import_upload(upload, *, dry_run: bool) -> ImportResult:
        problem = upload_problem(upload)
        if problem:
            return ImportResult(upload.name, Outcome.REJECTED, reason=problem)
        return import_letter(data=upload.read(), source_name=upload.name, dry_run=dry_run)


class FindingThemeInline(admin.TabularInline):
    """A finding's themes: one added here is an editor's, one removed is recorded as rejected."""

    model = FindingTheme
    fields = ["theme", "assigned_by", "why"]
    readonly_fields = ["assigned_by", "why"]
    autocomplete_fields = ["theme"]
    extra = 0
    verbose_name_plural = "themes (a theme removed here stays off when findings are retagged)"

    @admin.display(description="why")
    def why(self, row):
        """The rule lines that matched, so an editor can see what to correct."""
        if row.pk is None:
            return ""
        if row.assigned_by == FindingTheme.AssignedBy.EDITOR:
            return "given by an editor"
        lines = selectors.matching_rules(finding=row.finding, theme=row.theme)
        if not lines:
            return "no rule matches now: retagging will take it off"
        return format_html_join(", ", "<code>{}</code>", ((line,) for line in lines))


class ThemeRejectionInline(admin.TabularInline):
    model = ThemeRejection
    fields = ["theme"]
    autocomplete_fields = ["theme"]
    extra = 0
    verbose_name_plural = "themes an editor rejected (retagging never adds these)"


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "heading", "inspection", "recurring"]
    list_filter = ["category", "recurring", "inspection__inspection_type"]
    search_fields = ["text", "heading", "inspection__authority__name"]
    list_select_related = ["inspection__authority"]
    raw_id_fields = ["inspection"]
    inlines = [FindingThemeInline, ThemeRejectionInline]

    def save_formset(self, request, form, formset, change):
        """Theme corrections go through the same service as any editor's hand."""
        if formset.model is FindingTheme:
            formset.save(commit=False)  # fills new/changed/deleted objects for the history
            # Rows the user may only view come back as their initial data (a theme id, not
            # a Theme): Django skips validating them, and they are kept as they were.
            kept_ids = {
                getattr(row.cleaned_data["theme"], "pk", row.cleaned_data["theme"])
                for row in formset.forms
                if row.cleaned_data.get("theme") and not row.cleaned_data.get("DELETE")
            }
            kept = Theme.objects.filter(pk__in=kept_ids)
            services.correct_themes(finding=form.instance, themes=kept)
            return
        super().save_formset(request, form, formset, change)
        if formset.model is ThemeRejection:
            services.drop_rejected_themes(finding=form.instance)


class ThemeAdminForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["name", "slug", "group", "description", "rules"]
        widgets = {"rules": forms.Textarea(attrs={"rows": 20, "cols": 70})}

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        try:
            useless = theme_rules.rules_without_terms(rules)
        except ValueError as error:  # a tsquery: line PostgreSQL cannot read
            raise forms.ValidationError(str(error)) from None
        if useless:
            raise forms.ValidationError(
                "These rules have only stop words, so they match nothing: %(rules)s",
                params={"rules": "; ".join(useless)},
            )
        return rules


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """Themes and their rules; saving changed rules re-applies them to every finding."""

    form = ThemeAdminForm
    list_display = ["name", "group", "slug", "finding_count", "rule_count"]
    list_filter = ["group"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "group", "description", "rules", "rules_as_matched"]
    readonly_fields = ["rules_as_matched"]
    actions = ["retag_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(finding_count=Count("findingtheme"))

    @admin.display(description="findings", ordering="finding_count")
    def finding_count(self, theme):
        return theme.finding_count

    @admin.display(description="rules")
    def rule_count(self, theme):
        return len(theme_rules.rule_lines(theme.rules))

    @admin.display(description="rules as PostgreSQL matches them")
    def rules_as_matched(self, theme):
        explained = theme_rules.explain_rules(theme.rules)
        if not explained:
            return "No rules yet."
        rows = format_html_join("", "<li><code>{}</code> → <code>{}</code></li>", explained)
        return format_html("<ul>{}</ul>", rows)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "rules" in form.changed_data:
            self._report(request, obj, tagging.retag_theme(obj))

    @admin.action(
        description="Re-apply the rules of the selected themes to every finding",
        permissions=["change"],
    )
    def retag_selected(self, request, queryset):
        for theme in queryset:
            self._report(request, theme, tagging.retag_theme(theme))

    def _report(self, request, theme, change):
        self.message_user(
            request,
            f"“{theme}”: rules applied to every finding, {len(change.added)} added, "
            f"{len(change.removed)} removed; {change.total} findings have it now.",
        )
