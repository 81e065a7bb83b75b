"""Pages: thin views that read the query string, call one read function and render."""

import csv
import functools
import threading
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import content_disposition_header

from inspections import authority_page, browse, council_list, exports, grades, selectors
from inspections.caching import cached_page
from inspections.models import Authority, Inspection, SourceDocument, Theme
from inspections.themes.rules import rule_lines


def favicon(request):
    # Not permanent: the static file's hashed name changes when the icon does.
    return redirect(static("favicon.svg"))


@cached_page
def home(request):
    context = {
        "counts": selectors.archive_counts(),
        "latest_letters": selectors.latest_letters(),
    }
    return render(request, "inspections/home.html", context)


def can_edit_findings(user) -> bool:
    """Staff who may correct findings in the admin: pages give them an edit link on each."""
    return user.is_active and user.is_staff and user.has_perm("inspections.change_finding")


@cached_page
def finding_list(request):
    context = {
        "browse": browse.browse_findings(request.GET),
        "export_limit": exports.EXPORT_ROW_LIMIT,
        "can_edit": can_edit_findings(request.user),
    }
    return render(request, "inspections/finding_list.html", context)


@cached_page
def letter_list(request):
    return render(
        request, "inspections/letter_list.html", {"browse": browse.browse_letters(request.GET)}
    )


# Exports read every row before the first byte (see inspections/exports/): a bad filter is
# a 400 and an unreachable database a 503 page, never a 200 with a cut or empty file. The
# file is then held in memory while the client takes it.


def findings_csv(request):
    return _export(
        request, exports.csv_file, extension="csv", content_type="text/csv; charset=utf-8"
    )


def findings_json(request):
    return _export(
        request,
        exports.json_file,
        extension="json",
        content_type="application/json; charset=utf-8",
    )


def _export(request, export, *, extension: str, content_type: str):
    # Each export holds a server thread for as long as its client takes to read it: only
    # EXPORT_CONCURRENCY at once in a process, so slow downloads leave threads for pages.
    slots = _export_slots(settings.EXPORT_CONCURRENCY)
    if not slots.acquire(blocking=False):
        busy = HttpResponse(
            "Too many downloads are running: try again in a minute.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        busy["Retry-After"] = "30"
        return busy
    try:
        body = export(request.GET, base_url=request.build_absolute_uri("/"))
    except exports.ExportInvalid as error:
        slots.release()
        return HttpResponseBadRequest(
            f"Nothing was exported: {error}\n", content_type="text/plain; charset=utf-8"
        )
    except BaseException:
        slots.release()
        raise
    response = StreamingHttpResponse(_Releasing(body, slots.release), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.export_name(extension)}"'
    return response


@functools.cache
def _export_slots(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


class _Releasing:
    """A streamed body that calls `release` once, when it ends, fails or is closed.

    The server closes the response when a client goes away midway; a generator's own
    `finally` would not run if it were closed before it started.
    """

    def __init__(self, chunks, release):
        self.chunks = chunks
        self.release = release
        self.done = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self.chunks)
        except BaseException:  # StopIteration too: the end
            self.close()
            raise

    def close(self):
        if not self.done:
            self.done = True
            if close := getattr(self.chunks, "close", None):  # a generator's
                close()
            self.release()


@cached_page
def letter_detail(request, pk: int):
    try:
        inspection = selectors.letter_with_findings(pk, query=request.GET.get("q"))
    except Inspection.DoesNotExist:
        raise Http404("No such letter.") from None
    context = {
        "inspection": inspection,
        "finding_groups": selectors.findings_by_category(inspection),
        "judgements": grades.judgements_in_order(inspection),
        "query": request.GET.get("q", ""),
        # The findings page state the reader came from, for the way back.
        "back_query": request.GET.urlencode(),
        # Staff who may correct findings reach each one's admin page from here.
        "can_edit": can_edit_findings(request.user),
        # For citation_pdf_url, which readers of citation metadata want absolute.
        "original_pdf_url": request.build_absolute_uri(
            reverse("inspections:letter-original", args=[pk])
        ),
    }
    return render(request, "inspections/letter_detail.html", context)


def letter_source(request, pk: int):
    inspection = get_object_or_404(Inspection.objects.only("source_text"), pk=pk)
    # Plain text with nosniff: letter text is never interpreted as markup.
    return HttpResponse(inspection.source_text, content_type="text/plain; charset=utf-8")


def letter_original(request, pk: int):
    document = get_object_or_404(SourceDocument.objects.select_related("inspection"), pk=pk)
    response = HttpResponse(bytes(document.data), content_type=document.media_type)
    # Shown in the browser's PDF viewer; saved under the name it was imported with.
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=document.inspection.source_name
    )
    return response


@cached_page
def authority_list(request):
    return render(
        request, "inspections/authority_list.html", {"authorities": council_list.council_rows()}
    )


@cached_page
def authority_detail(request, slug: str):
    authority = get_object_or_404(Authority, slug=slug)
    overview = authority_page.overview(authority)
    letters, notices = authority_page.letters_page(
        authority, asked=request.GET.get("page"), count=overview.summary.letters
    )
    context = {
        "authority": authority,
        "summary": overview.summary,
        "letters": letters,
        "notices": notices,
        "history": overview.history,
        "recurring": overview.recurring,
    }
    return render(request, "inspections/authority_detail.html", context)


def grade_list(request):
    rows, sort = grades.national_table(request.GET.get("sort", grades.DEFAULT_SORT))
    context = {
        "rows": rows,
        "sort": sort,
        "headers": grades.sort_headers(sort),
        "counts": grades.grade_counts(rows),
        "count_columns": [(grade, grades.grade_label(grade)) for grade in grades.COUNT_COLUMNS],
        "series": grades.national_by_year(),
    }
    return render(request, "inspections/grade_list.html", context)


def grades_csv(request):
    rows, _ = grades.national_table(request.GET.get("sort", grades.DEFAULT_SORT))
    lines = grades.export_rows(rows, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{grades.export_name()}"'
    # A byte-order mark, so spreadsheet programs read the names as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(grades.EXPORT_COLUMNS)
    for line in lines:
        writer.writerow(exports.spreadsheet_safe(line[column]) for column in grades.EXPORT_COLUMNS)
    return response


@cached_page
def theme_list(request):
    context = {"themes": selectors.theme_counts()}
    return render(request, "inspections/themes/theme_list.html", context)


@cached_page
def theme_detail(request, slug: str):
    theme = get_object_or_404(Theme, slug=slug)
    findings_url = f"{reverse('inspections:finding-list')}?{urlencode({'theme': theme.slug})}"
    context = {
        "theme": theme,
        "rules": rule_lines(theme.rules),
        "series": selectors.theme_year_series(theme),
        "top_authorities": selectors.theme_top_authorities(theme),
        "latest_findings": selectors.latest_theme_findings(theme),
        "findings_url": findings_url,
    }
    return render(request, "inspections/themes/theme_detail.html", context)
