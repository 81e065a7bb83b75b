"""Admin: browse and correct what the parser produced, and upload new letters."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Count, When
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from inspections import selectors
from inspections.caching import bump_data_version
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


class ArchiveAdmin(admin.ModelAdmin):
    """An admin whose every change makes the cached public pages stale (inspections.caching).

    The admin logs each addition, change and deletion it makes, after making it: the one
    place every kind of edit passes through, inlines and bulk deletions included.
    """

    def log_addition(self, *args, **kwargs):
        bump_data_version()
        return super().log_addition(*args, **kwargs)

    def log_change(self, *args, **kwargs):
        bump_data_version()
        return super().log_change(*args, **kwargs)

    def log_deletions(self, *args, **kwargs):
        bump_data_version()
        return super().log_deletions(*args, **kwargs)


@admin.register(Authority)
class AuthorityAdmin(ArchiveAdmin):
    list_display = ["name", "region", "authority_type", "la_code", "gss_code", "needs_review"]
    list_filter = ["needs_review", "region", "authority_type"]
    search_fields = ["name", "official_name", "aliases", "la_code", "gss_code", "code"]
    prepopulated_fields = {"slug": ["name"]}


class FindingInlineForm(forms.ModelForm):
    """A finding under its letter, with its themes as one column to correct in place."""

    # Not the model's `themes` (a relation with its own through model, which the admin
    # cannot edit directly): saved by InspectionAdmin through themes.correct_themes.
    theme_list = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.order_by("name"),
        required=False,
        label="themes",
        help_text="Chosen by hand here, they stay as chosen when findings are retagged.",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    class Meta:
        model = Finding
        fields = ["position", "category", "heading", "text", "recurring"]
        # Narrow enough that the themes column fits beside the text on a laptop's screen.
        widgets = {
            "heading": forms.TextInput(attrs={"size": 20}),
            "text": forms.Textarea(attrs={"rows": 6, "cols": 48}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # From the inline's prefetch: one query for all the letter's findings.
            chosen = [theme.pk for theme in self.instance.themes.all()]
            self.initial["theme_list"] = chosen
            # The finding's own themes at the top of its list, where they are seen.
            if chosen:
                first = Case(When(pk__in=chosen, then=0), default=1)
                self.fields["theme_list"].queryset = Theme.objects.order_by(first, "name")


class FindingInline(admin.TabularInline):
    model = Finding
    form = FindingInlineForm
    fields = ["position", "category", "heading", "text", "recurring", "theme_list"]
    extra = 0
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description="themes")
    def theme_list(self, finding):
        """The column as read by those who may only view findings (no form field then)."""
        return ", ".join(theme.name for theme in finding.themes.all()) or "–"


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
class InspectionAdmin(ArchiveAdmin):
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
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not Finding:
            return
        deleted = set(formset.deleted_forms)
        for row in formset.forms:
            # Only rows whose themes the editor touched: the rest keep the rules' tagging.
            if row not in deleted and "theme_list" in row.changed_data and row.instance.pk:
                services.correct_themes(finding=row.instance, themes=row.cleaned_data["theme_list"])

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
        """The rule lines that matched and the words that weighed most, to see what to correct."""
        if row.pk is None:
            return ""
        if row.assigned_by == FindingTheme.AssignedBy.EDITOR:
            return "given by an editor"
        evidence = selectors.theme_evidence(finding=row.finding, theme=row.theme)
        rules = format_html_join(", ", "<code>{}</code>", ((line,) for line in evidence.rule_lines))
        if not evidence.modelled:
            return rules or "no rule matches now: retagging will take it off"
        score = evidence.score if evidence.score is not None else float("-inf")
        verdict = "above" if score > evidence.threshold else "not above: retagging will take it off"
        words = format_html_join(
            ", ",
            "<code>{}</code> {}",
            ((word, f"{weight:+.2f}") for word, weight in evidence.words),
        )
        hits = format_html_join(
            ", ", "{} {}", ((slug, f"{weight:+.2f}") for slug, weight in evidence.rules)
        )
        return format_html(
            "score {} ({} the threshold {}); words that weighed most: {}; rules of themes"
            " that matched: {}; this theme's rule lines that matched: {}",
            f"{score:.2f}",
            verdict,
            f"{evidence.threshold:.2f}",
            words or "none",
            hits or "none",
            rules or "none",
        )


class ThemeRejectionInline(admin.TabularInline):
    model = ThemeRejection
    fields = ["theme"]
    autocomplete_fields = ["theme"]
    extra = 0
    verbose_name_plural = "themes an editor rejected (retagging never adds these)"


@admin.register(Finding)
class FindingAdmin(ArchiveAdmin):
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
class ThemeAdmin(ArchiveAdmin):
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
