"""Pages: thin views that read the query string, call one read function and render."""

import csv
import json

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from inspections import browse, selectors
from inspections.models import Authority, Inspection, SourceDocument


def home(request):
    context = {
        "counts": selectors.archive_counts(),
        "latest_letters": selectors.latest_letters(),
    }
    return render(request, "inspections/home.html", context)


def finding_list(request):
    context = {
        "browse": browse.browse_findings(request.GET),
        "export_limit": browse.EXPORT_ROW_LIMIT,
    }
    return render(request, "inspections/finding_list.html", context)


def letter_list(request):
    return render(
        request, "inspections/letter_list.html", {"browse": browse.browse_letters(request.GET)}
    )


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer."""

    def write(self, value):
        return value


def findings_csv(request):
    rows = browse.export_rows(request.GET, base_url=request.build_absolute_uri("/"))
    writer = csv.writer(_Echo())

    def lines():
        # A byte-order mark, so spreadsheet programs read the curly quotes as UTF-8.
        yield "\ufeff" + writer.writerow(browse.EXPORT_COLUMNS)
        for row in rows:
            yield writer.writerow(browse.csv_cells(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{browse.export_name("csv")}"'
    return response


def findings_json(request):
    rows = browse.export_rows(request.GET, base_url=request.build_absolute_uri("/"))

    def chunks():
        yield "["
        for index, row in enumerate(rows):
            yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{browse.export_name("json")}"'
    return response


def letter_detail(request, pk: int):
    try:
        inspection = selectors.letter_with_findings(pk, query=request.GET.get("q"))
    except Inspection.DoesNotExist:
        raise Http404("No such letter.") from None
    context = {
        "inspection": inspection,
        "finding_groups": selectors.findings_by_category(inspection),
        "query": request.GET.get("q", ""),
        # The findings page state the reader came from, for the way back.
        "back_query": request.GET.urlencode(),
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


def authority_list(request):
    return render(
        request, "inspections/authority_list.html", {"authorities": selectors.authorities()}
    )


def authority_detail(request, slug: str):
    authority = get_object_or_404(Authority, slug=slug)
    context = {"authority": authority, "letters": selectors.authority_letters(authority)}
    return render(request, "inspections/authority_detail.html", context)
