"""Councils, the letters Ofsted wrote about them, and the findings in those letters."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.urls import reverse

from inspections.parsing import letter
from inspections.parsing.hyphens import compound_forms
from inspections.search import SearchQuerySet


class Authority(models.Model):
    """A council with children's services duties, however its letters spell it."""

    # Not unique: an abolished council and its successor can share a short name ("Somerset");
    # the slug tells them apart.
    name = models.CharField(max_length=200, help_text="Canonical short name.")
    slug = models.SlugField(max_length=200, unique=True)
    official_name = models.CharField(max_length=200, blank=True)
    aliases = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Spellings seen in letters and reference data.",
    )
    code = models.CharField(
        max_length=8, blank=True, help_text="Three-letter register code (mySociety)."
    )
    la_code = models.CharField("DfE LA code", max_length=8, blank=True)
    gss_code = models.CharField("GSS code", max_length=12, blank=True)
    ofsted_urn = models.CharField("Ofsted URN", max_length=12, blank=True)
    region = models.CharField(max_length=60, blank=True)
    authority_type = models.CharField(max_length=60, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="When it was abolished or merged.")
    needs_review = models.BooleanField(
        default=False,
        help_text="Not in the reference data of English councils: an admin should confirm it.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:authority-detail", args=[self.slug])


def _choices(name: str, labels: dict[str, str]) -> type[models.TextChoices]:
    """Choices made from the parser's one definition of codes and labels."""
    return models.TextChoices(
        name, [(code.upper(), (code, label)) for code, label in labels.items()]
    )


InspectionType = _choices("InspectionType", letter.INSPECTION_TYPE_LABELS)
Framework = _choices("Framework", letter.FRAMEWORK_LABELS)
JudgementArea = _choices("JudgementArea", letter.JUDGEMENT_LABELS)
Grade = _choices("Grade", letter.GRADE_LABELS)


class Inspection(models.Model):
    """One letter: what Ofsted found on one inspection or visit of one council."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="inspections")
    inspection_type = models.CharField(max_length=32, choices=InspectionType.choices)
    title = models.CharField(max_length=500)
    letter_date = models.DateField()
    undated = models.BooleanField(
        "no date of its own",
        default=False,
        help_text=(
            "The letter gives no date: its letter date is the last day of its visit, and it"
            " was sent later."
        ),
    )
    visit_start = models.DateField(null=True, blank=True)
    visit_end = models.DateField(null=True, blank=True)
    inspectors = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    recipient = models.CharField(max_length=500, blank=True)
    priority_action = models.BooleanField("names an area for priority action", default=False)
    framework = models.CharField(
        max_length=10,
        choices=Framework.choices,
        blank=True,
        help_text="A full inspection's framework (standard or short); blank for a letter.",
    )
    review_notes = models.TextField(
        blank=True,
        help_text="Why an admin should check this letter (the parser's doubts), one a line.",
    )
    source_name = models.CharField(max_length=255, help_text="File name the letter came from.")
    published_url = models.URLField(
        "published at",
        max_length=500,
        blank=True,
        help_text="Where Ofsted publishes this letter or report, when known (files.ofsted.gov.uk).",
    )
    content_hash = models.CharField(
        max_length=64,
        unique=True,
        help_text=(
            "SHA-256 of the letter's text with its whitespace collapsed: re-importing it is a"
            " no-op, whatever the file's encoding or line endings."
        ),
    )
    source_text = models.TextField()
    imported_at = models.DateTimeField(auto_now_add=True)
    search_extra = models.TextField(
        blank=True,
        default="",
        help_text="Other spellings of its hyphenated words, so any spelling finds it.",
    )
    # Stored, so searching whole letters never re-parses their text.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("source_text", weight="C", config="english")
        + SearchVector("search_extra", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = SearchQuerySet.as_manager()

    class Meta:
        ordering = ["-letter_date", "authority__name"]
        indexes = [
            models.Index(fields=["-letter_date"], name="inspection_letter_date_idx"),
            # The data version (selectors.data_version) reads the latest import on every API
            # request and feed: without it, a scan of every letter (175 ms at 100,000).
            models.Index(fields=["-imported_at"], name="inspection_imported_at_idx"),
            GinIndex(fields=["search_vector"], name="inspection_search_idx"),
            # A council's letters newest first: its page's years, months and pages of
            # letters, and the councils list's latest letter, read a council's entries
            # alone (without it, the global date index walked every letter at 100,000).
            models.Index(
                "authority",
                models.F("letter_date").desc(),
                models.F("id").desc(),
                name="inspection_by_authority_idx",
            ),
            # A council's reports newest first: every "latest grade" subquery walks it.
            models.Index(
                "authority",
                models.F("letter_date").desc(),
                models.F("id").desc(),
                name="inspection_report_by_date_idx",
                condition=models.Q(inspection_type="ilacs"),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.authority}: {self.get_inspection_type_display()}, {self.letter_date:%d %B %Y}"
        )

    def save(self, *args, **kwargs):
        if "update_fields" not in kwargs or "source_text" in (kwargs["update_fields"] or ()):
            self.search_extra = compound_forms(self.source_text)  # see Finding.save
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("inspections:letter-detail", args=[self.pk])


class Judgement(models.Model):
    """One graded judgement of a full inspection, on Ofsted's four-point scale."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="judgements")
    area = models.CharField(max_length=30, choices=JudgementArea.choices)
    grade = models.CharField(max_length=30, choices=Grade.choices)

    class Meta:
        ordering = ["inspection", "area"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "area"], name="judgement_unique_area")
        ]
        indexes = [models.Index(fields=["area", "grade"], name="judgement_area_grade_idx")]

    def __str__(self) -> str:
        return f"{self.get_area_display()}: {self.get_grade_display()}"


class SourceDocument(models.Model):
    """The PDF a letter was imported from, byte for byte: offered for download beside the
    text read from it. (A letter imported from text offers that text.)"""

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, primary_key=True, related_name="source_document"
    )
    media_type = models.CharField(max_length=100, default="application/pdf")
    sha256 = models.CharField(
        max_length=64, db_index=True, help_text="SHA-256 of the bytes: a quick re-import check."
    )
    size = models.PositiveIntegerField(help_text="Bytes.")
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.inspection.source_name} ({self.size} bytes)"


Category = _choices("Category", letter.CATEGORY_LABELS)


class ThemeGroup(models.TextChoices):
    """The parts of children's services the themes fall in, as the field groups them."""

    HELP_AND_PROTECTION = "help-and-protection", "Help and protection"
    CHILDREN_IN_CARE = "children-in-care", "Children in care and care leavers"
    LEADERSHIP_AND_WORKFORCE = "leadership-and-workforce", "Leadership and workforce"
    PARTNERSHIPS = "partnerships", "Partnerships"
    PRACTICE_QUALITY = "practice-quality", "Practice quality"


class Theme(models.Model):
    """What a finding is about: caseloads, supervision, management oversight..."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    group = models.CharField(max_length=30, choices=ThemeGroup.choices, blank=True)
    description = models.TextField(
        blank=True, help_text="What the theme covers, so that a reader can apply it."
    )
    rules = models.TextField(
        blank=True,
        help_text=(
            "One rule a line, in web-search syntax, matched on stemmed finding text: "
            'caseload, "high caseloads", workload -accommodation. A finding matching any '
            "line gets the theme. A line starting with tsquery: is PostgreSQL tsquery syntax, "
            "for words near each other (tsquery: caseload <3> high); a line starting with "
            "unless: keeps the theme off findings it matches."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:theme-detail", args=[self.slug])


class Finding(models.Model):
    """One bullet or paragraph of a letter."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    # Copied from the letter, so that the findings page filters, orders and counts its
    # facets on this table alone instead of joining every letter to its findings (1.5
    # million findings at 100,000 letters). The importer sets them; a trigger (migration
    # 0014) fills them on any other insert and keeps them in step when a letter changes.
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", db_index=False, editable=False
    )
    letter_date = models.DateField(editable=False)
    inspection_type = models.CharField(
        max_length=32, choices=InspectionType.choices, editable=False
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    heading = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(help_text="Order within the letter, from 1.")
    text = models.TextField()
    recurring = models.BooleanField(
        default=False, help_text="The letter says this was raised at an earlier inspection."
    )
    themes = models.ManyToManyField(
        Theme, through="FindingTheme", related_name="findings", blank=True
    )
    # Its themes' ids as its FindingTheme rows hold them, in order, on the row itself: a
    # theme filter is then an index the word search's can be ANDed with, and the theme
    # facet is counted from the rows already read, not looked up result by result. Kept in
    # step with FindingTheme by triggers (migration 0021): whatever an UPDATE gives it, it
    # is read again from FindingTheme; the importer gives it with the finding's row.
    theme_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    search_extra = models.TextField(
        blank=True,
        default="",
        help_text=(
            "Other spellings of its hyphenated words (multiagency, multi agency), so a search"
            " for any spelling finds it."
        ),
    )
    # Finding text weighs more than the heading it stood under. Theme rules match the
    # text alone (weight A), so a heading never tags every paragraph beneath it.
    # Not a generated column: the importer stems each finding once, for its themes and
    # for this vector (themes.features.new_finding_features), and stores it with the row.
    # For any other writer a trigger (migration 0022) makes it, on insert where none is
    # given and on every update of the text, its other spellings or the heading.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = SearchQuerySet.as_manager()

    class Meta:
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "position"], name="finding_unique_position"
            )
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="finding_search_idx"),
            GinIndex(fields=["theme_ids"], name="finding_theme_ids_idx"),
            # Newest first (the no-query page, and the newest matches of a common word).
            models.Index(
                models.F("letter_date").desc(), models.F("id").desc(), name="finding_newest_idx"
            ),
            # A council's findings by date; the category last, so that with a category chosen
            # too this index costs more than finding_facets_idx, which narrows by category,
            # councils and date at once. PostgreSQL ANDs search bitmaps greedily, cheapest
            # first, never taking an index whose conditions overlap one already taken: this
            # index, cheaper on (council, date) alone, shut the facets index out, and a word
            # with a region and a category ANDed three bitmaps (~65 ms more at 100,000
            # letters) where the word's and the facets index's do.
            models.Index(
                fields=["authority", "letter_date", "category"], name="finding_authority_date_idx"
            ),
            # Every column the facets count and the filters narrow by, narrow enough to be
            # read instead of the wide rows (text, search vector) when no words are searched.
            models.Index(
                fields=["category", "authority", "letter_date", "inspection_type"],
                include=["id"],
                name="finding_facets_idx",
            ),
            # A council's weaknesses (its page's recurring themes) read from the index
            # alone, without visiting every finding's row for its category: a quarter of
            # the findings, 15 -> 10 ms for a council of 800 letters.
            models.Index(
                "inspection",
                "id",
                include=["recurring"],
                condition=models.Q(category__in=["development", "priority_action"]),
                name="finding_weakness_by_letter_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args, **kwargs):
        # Derived from the text, like the search vector it feeds: kept in step whoever saves
        # (an editor correcting a finding in the admin). Bulk imports set it themselves.
        self.search_extra = compound_forms(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.inspection.get_absolute_url()}#finding-{self.position}"


class FindingTheme(models.Model):
    """A theme given to a finding, by the rules or by an editor's hand."""

    class AssignedBy(models.TextChoices):
        RULE = "rule", "Rules"
        EDITOR = "editor", "Editor"

    # No index of their own: the unique (finding, theme) and the (theme, finding) index
    # below lead with each, and an import adds ~30 of these rows a letter, each once to
    # every index.
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, db_index=False)
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, db_index=False)
    assigned_by = models.CharField(
        max_length=10, choices=AssignedBy.choices, default=AssignedBy.RULE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "theme"], name="finding_theme_unique")
        ]
        indexes = [models.Index(fields=["theme", "finding"], name="finding_theme_by_theme_idx")]

    def __str__(self) -> str:
        return f"{self.theme} ({self.get_assigned_by_display()})"


class ThemeRejection(models.Model):
    """An editor said this finding is not about this theme: retagging must not add it back."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="theme_rejections")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "theme"], name="theme_rejection_unique")
        ]

    def __str__(self) -> str:
        return f"not {self.theme}"
