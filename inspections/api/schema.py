"""How the pages' FilterSets read in the OpenAPI schema (imported by api/urls.py to register).

drf-spectacular never calls a filter's choices function, in case it reads the database;
ours (years, regions) read reference data only, so the schema lists their values. Councils
and themes are chosen by slug.
"""

from django_filters import ModelMultipleChoiceFilter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class ArchiveFilterExtension(DjangoFilterExtension):
    target_class = "inspections.api.paging.ArchiveFilterBackend"
    priority = 1

    def _get_explicit_filter_choices(self, filter_field):
        choices = filter_field.extra.get("choices")
        if callable(choices):
            return [code for code, _ in choices()]
        return super()._get_explicit_filter_choices(filter_field)

    def _get_schema_from_model_field(self, auto_schema, filter_field, model):
        if isinstance(filter_field, ModelMultipleChoiceFilter):
            return build_basic_type(OpenApiTypes.STR)
        return super()._get_schema_from_model_field(auto_schema, filter_field, model)
