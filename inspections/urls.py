from django.urls import path

from inspections import feeds, views
from inspections.freshness import conditional

app_name = "inspections"

urlpatterns = [
    path("", views.home, name="home"),
    path("findings/", views.finding_list, name="finding-list"),
    path("findings/export.csv", views.findings_csv, name="finding-export-csv"),
    path("findings/export.json", views.findings_json, name="finding-export-json"),
    path("findings/feed/", conditional(feeds.FindingSearchFeed()), name="finding-feed"),
    path("letters/", views.letter_list, name="letter-list"),
    path("letters/feed/", conditional(feeds.LetterSearchFeed()), name="letter-feed"),
    path("letters/<int:pk>/", views.letter_detail, name="letter-detail"),
    path("letters/<int:pk>/source.txt", views.letter_source, name="letter-source"),
    path("letters/<int:pk>/original.pdf", views.letter_original, name="letter-original"),
    path("authorities/", views.authority_list, name="authority-list"),
    path("authorities/<slug:slug>/", views.authority_detail, name="authority-detail"),
    path("grades/", views.grade_list, name="grade-list"),
    path("grades/export.csv", views.grades_csv, name="grade-export-csv"),
    path("themes/", views.theme_list, name="theme-list"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme-detail"),
    path("themes/<slug:slug>/feed/", conditional(feeds.ThemeFeed()), name="theme-feed"),
    path(
        "authorities/<slug:slug>/feed/",
        conditional(feeds.AuthorityFeed()),
        name="authority-feed",
    ),
    path("feed/", conditional(feeds.LatestFeed()), name="latest-feed"),
]
