"""How councils, letters, findings and themes look in the API.

Field names are part of the API's contract: add fields, never rename or remove them in v1.
Every coded value comes with its label beside it ("category": "development",
"category_label": "Area for development"); every resource links to itself in the API
(`url`) and on the site (`html_url`), and to the resources it belongs to.
"""

import functools
from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inspections.models import Authority, Finding, Inspection, Judgement, Theme

# Stands for the one argument of a URL pattern (an id or a slug), reversed once.
_ARGUMENT = "987654321"


@functools.cache
def _pattern(view_name: str, *, with_argument: bool = True) -> str:
    """A URL pattern as a format string: reverse() costs ~30 µs, and five links a row for a
    hundred rows were most of a list's time."""
    if not with_argument:
        return reverse(view_name)
    return reverse(view_name, args=[_ARGUMENT]).replace(_ARGUMENT, "{}")


def _origin(context: dict) -> str:
    """The scheme and host links are made absolute with, once a response."""
    if "origin" not in context:
        request = context.get("request")
        context["origin"] = request.build_absolute_uri("/")[:-1] if request else ""
    return context["origin"]


@extend_schema_field(OpenApiTypes.URI)
class LinkField(serializers.Field):
    """An absolute link from the object: to `view_name` with its `lookup` attribute as the
    argument, or with `query` set, to a list filtered by it (?query=value)."""

    def __init__(self, view_name: str, *, lookup: str = "pk", query: str = "", **kwargs):
        self.view_name, self.lookup, self.query = view_name, lookup, query
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> str:
        value = getattr(obj, self.lookup)
        if self.query:
            path = _pattern(self.view_name, with_argument=False)
            return f"{_origin(self.context)}{path}?{urlencode({self.query: value})}"
        return _origin(self.context) + _pattern(self.view_name).format(value)


class LabelField(serializers.CharField):
    """The label of a coded field's value, as `get_<field>_display()` gives it.

    From a dict made once: DRF calls a method named as a source through
    inspect.signature() first, which for the five labels of a hundred rows was a tenth of
    a list's time.
    """

    def __init__(self, model, field_name: str, **kwargs):
        self.model, self.field_name_labelled = model, field_name
        super().__init__(source=field_name, **kwargs)

    @functools.cached_property
    def labels(self) -> dict[str, str]:
        choices = self.model._meta.get_field(self.field_name_labelled).flatchoices
        return {value: str(label) for value, label in choices}

    def to_representation(self, value) -> str:
        return self.labels.get(value, value)


class CouncilLinkSerializer(serializers.ModelSerializer):
    """A council as other resources name it."""

    url = LinkField("api:council-detail", lookup="slug")
    html_url = LinkField("inspections:authority-detail", lookup="slug")

    class Meta:
        model = Authority
        fields = ["slug", "name", "url", "html_url"]


class CouncilSerializer(serializers.ModelSerializer):
    url = LinkField("api:council-detail", lookup="slug")
    html_url = LinkField("inspections:authority-detail", lookup="slug")
    dfe_la_code = serializers.CharField(source="la_code")
    letter_count = serializers.IntegerField(read_only=True)
    latest_letter_date = serializers.DateField(
        source="latest_date", read_only=True, allow_null=True
    )
    letters_url = LinkField("api:letter-list", lookup="slug", query="authority")
    findings_url = LinkField("api:finding-list", lookup="slug", query="authority")
    feed_url = LinkField("inspections:authority-feed", lookup="slug")

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


class JudgementSerializer(serializers.ModelSerializer):
    area_label = LabelField(Judgement, "area")
    grade_label = LabelField(Judgement, "grade")

    class Meta:
        model = Judgement
        fields = ["area", "area_label", "grade", "grade_label"]


class ThemeLinkSerializer(serializers.ModelSerializer):
    url = LinkField("api:theme-detail", lookup="slug")
    html_url = LinkField("inspections:theme-detail", lookup="slug")

    class Meta:
        model = Theme
        fields = ["slug", "name", "url", "html_url"]


class LetterSerializer(serializers.ModelSerializer):
    """A letter, or a full inspection report (inspection_type "ilacs") with its judgements."""

    url = LinkField("api:letter-detail")
    html_url = LinkField("inspections:letter-detail")
    council = CouncilLinkSerializer(source="authority")
    inspection_type_label = LabelField(Inspection, "inspection_type")
    framework_label = LabelField(Inspection, "framework")
    judgements = JudgementSerializer(many=True)
    findings_url = LinkField("api:finding-list", query="letter")
    source_text_url = LinkField("inspections:letter-source")
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
            "undated",
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

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_original_pdf_url(self, obj) -> str | None:
        """The PDF the letter was imported from, where it is kept; null for a text import."""
        if not obj.has_original:
            return None
        return _origin(self.context) + _pattern("inspections:letter-original").format(obj.pk)


class LetterFindingSerializer(serializers.ModelSerializer):
    """A finding as its letter lists it."""

    url = LinkField("api:finding-detail")
    html_url = serializers.SerializerMethodField()
    category_label = LabelField(Finding, "category")
    themes = ThemeLinkSerializer(many=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, obj) -> str:
        """The finding in its letter's page."""
        letter = _pattern("inspections:letter-detail").format(obj.inspection_id)
        return f"{_origin(self.context)}{letter}#finding-{obj.position}"

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


class LetterLinkSerializer(serializers.ModelSerializer):
    url = LinkField("api:letter-detail")
    html_url = LinkField("inspections:letter-detail")
    inspection_type_label = LabelField(Inspection, "inspection_type")

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


class ThemeSerializer(serializers.ModelSerializer):
    url = LinkField("api:theme-detail", lookup="slug")
    html_url = LinkField("inspections:theme-detail", lookup="slug")
    finding_count = serializers.IntegerField(read_only=True)
    findings_url = LinkField("api:finding-list", lookup="slug", query="theme")
    feed_url = LinkField("inspections:theme-feed", lookup="slug")

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
