"""How councils, letters, findings and themes look in the API.

Field names are part of the API's contract: add fields, never rename or remove them in v1.
Every coded value comes with its label beside it ("category": "development",
"category_label": "Area for development"); every resource links to itself in the API
(`url`) and on the site (`html_url`), and to the resources it belongs to.
"""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inspections.models import Authority, Finding, Inspection, Judgement, Theme


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def _api_list(request, name: str, **params) -> str:
    return _absolute(request, f"{reverse(f'api:{name}-list')}?{urlencode(params)}")


class SiteUrlField(serializers.SerializerMethodField):
    """The object's page on the site, absolute."""

    def __init__(self, **kwargs):
        super().__init__(method_name="get_html_url", **kwargs)


class SiteLinksMixin:
    @extend_schema_field(serializers.URLField())
    def get_html_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


class CouncilLinkSerializer(SiteLinksMixin, serializers.ModelSerializer):
    """A council as other resources name it."""

    url = serializers.HyperlinkedIdentityField(view_name="api:council-detail", lookup_field="slug")
    html_url = SiteUrlField()

    class Meta:
        model = Authority
        fields = ["slug", "name", "url", "html_url"]


class CouncilSerializer(SiteLinksMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:council-detail", lookup_field="slug")
    html_url = SiteUrlField()
    dfe_la_code = serializers.CharField(source="la_code")
    letter_count = serializers.IntegerField(read_only=True)
    latest_letter_date = serializers.DateField(
        source="latest_date", read_only=True, allow_null=True
    )
    letters_url = serializers.SerializerMethodField()
    findings_url = serializers.SerializerMethodField()
    feed_url = serializers.SerializerMethodField()

    class Meta:
        model = Authority
        fields = [
            "slug",
            "name",
            "official_name",
            "region",
            "authority_type",
            "gss_code",
            "dfe_la_code",
            "ofsted_urn",
            "start_date",
            "end_date",
            "letter_count",
            "latest_letter_date",
            "url",
            "html_url",
            "letters_url",
            "findings_url",
            "feed_url",
        ]

    def get_letters_url(self, obj) -> str:
        return _api_list(self.context.get("request"), "letter", authority=obj.slug)

    def get_findings_url(self, obj) -> str:
        return _api_list(self.context.get("request"), "finding", authority=obj.slug)

    def get_feed_url(self, obj) -> str:
        path = reverse("inspections:authority-feed", args=[obj.slug])
        return _absolute(self.context.get("request"), path)


class JudgementSerializer(serializers.ModelSerializer):
    area_label = serializers.CharField(source="get_area_display")
    grade_label = serializers.CharField(source="get_grade_display")

    class Meta:
        model = Judgement
        fields = ["area", "area_label", "grade", "grade_label"]


class ThemeLinkSerializer(SiteLinksMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:theme-detail", lookup_field="slug")
    html_url = SiteUrlField()

    class Meta:
        model = Theme
        fields = ["slug", "name", "url", "html_url"]


class LetterSerializer(SiteLinksMixin, serializers.ModelSerializer):
    """A letter, or a full inspection report (inspection_type "ilacs") with its judgements."""

    url = serializers.HyperlinkedIdentityField(view_name="api:letter-detail")
    html_url = SiteUrlField()
    council = CouncilLinkSerializer(source="authority")
    inspection_type_label = serializers.CharField(source="get_inspection_type_display")
    framework_label = serializers.CharField(source="get_framework_display")
    judgements = JudgementSerializer(many=True)
    findings_url = serializers.SerializerMethodField()
    source_text_url = serializers.SerializerMethodField()
    original_pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "url",
            "html_url",
            "council",
            "inspection_type",
            "inspection_type_label",
            "title",
            "letter_date",
            "visit_start",
            "visit_end",
            "inspectors",
            "recipient",
            "priority_action",
            "framework",
            "framework_label",
            "judgements",
            "findings_url",
            "source_text_url",
            "original_pdf_url",
        ]

    def get_findings_url(self, obj) -> str:
        return _api_list(self.context.get("request"), "finding", letter=obj.pk)

    def get_source_text_url(self, obj) -> str:
        path = reverse("inspections:letter-source", args=[obj.pk])
        return _absolute(self.context.get("request"), path)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_original_pdf_url(self, obj) -> str | None:
        """The PDF the letter was imported from, where it is kept; null for a text import."""
        if not obj.has_original:
            return None
        path = reverse("inspections:letter-original", args=[obj.pk])
        return _absolute(self.context.get("request"), path)


class LetterFindingSerializer(SiteLinksMixin, serializers.ModelSerializer):
    """A finding as its letter lists it."""

    url = serializers.HyperlinkedIdentityField(view_name="api:finding-detail")
    html_url = SiteUrlField()
    category_label = serializers.CharField(source="get_category_display")
    themes = ThemeLinkSerializer(many=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "url",
            "html_url",
            "position",
            "category",
            "category_label",
            "heading",
            "text",
            "recurring",
            "themes",
        ]


class LetterDetailSerializer(LetterSerializer):
    """One letter with its findings, in the letter's order."""

    findings = LetterFindingSerializer(many=True)

    class Meta(LetterSerializer.Meta):
        fields = [*LetterSerializer.Meta.fields, "findings"]


class LetterLinkSerializer(SiteLinksMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:letter-detail")
    html_url = SiteUrlField()
    inspection_type_label = serializers.CharField(source="get_inspection_type_display")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "url",
            "html_url",
            "title",
            "letter_date",
            "inspection_type",
            "inspection_type_label",
        ]


class FindingSerializer(LetterFindingSerializer):
    letter = LetterLinkSerializer(source="inspection")
    council = CouncilLinkSerializer(source="inspection.authority")

    class Meta(LetterFindingSerializer.Meta):
        fields = [*LetterFindingSerializer.Meta.fields, "letter", "council"]


class ThemeSerializer(SiteLinksMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:theme-detail", lookup_field="slug")
    html_url = SiteUrlField()
    finding_count = serializers.IntegerField(read_only=True)
    findings_url = serializers.SerializerMethodField()
    feed_url = serializers.SerializerMethodField()

    class Meta:
        model = Theme
        fields = [
            "slug",
            "name",
            "description",
            "finding_count",
            "url",
            "html_url",
            "findings_url",
            "feed_url",
        ]

    def get_findings_url(self, obj) -> str:
        return _api_list(self.context.get("request"), "finding", theme=obj.slug)

    def get_feed_url(self, obj) -> str:
        path = reverse("inspections:theme-feed", args=[obj.slug])
        return _absolute(self.context.get("request"), path)
