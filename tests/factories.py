"""Factories for test objects (seed letters are used where parsing matters)."""

import datetime

import factory

from inspections.models import Authority, Category, Finding, Inspection, Judgement


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Council {n}")
    slug = factory.Sequence(lambda n: f"council-{n}")
    region = "North West"


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    authority = factory.SubFactory(AuthorityFactory)
    inspection_type = "focused_visit"
    title = factory.LazyAttribute(
        lambda o: f"Focused visit to {o.authority.name} children's services"
    )
    letter_date = datetime.date(2020, 1, 15)
    source_name = factory.Sequence(lambda n: f"letter-{n}.txt")
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    source_text = "Letter text."


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    inspection = factory.SubFactory(InspectionFactory)
    category = Category.DEVELOPMENT
    heading = "Areas for development"
    position = factory.Sequence(lambda n: n + 1)
    text = "Caseloads are too high."


class ReportFactory(InspectionFactory):
    """A full inspection report (ILACS); give it judgements with JudgementFactory."""

    inspection_type = "ilacs"
    framework = "standard"
    title = factory.LazyAttribute(
        lambda o: f"Inspection of {o.authority.name} local authority children's services"
    )


class JudgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judgement

    inspection = factory.SubFactory(ReportFactory)
    area = "overall_effectiveness"
    grade = "good"
