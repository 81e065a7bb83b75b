"""Login throttling: repeated wrong passwords lock out that user name from that address."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("admin:login")
PASSWORD = "the right password 42"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user(
        username="editor", password=PASSWORD, is_staff=True
    )


def sign_in(client, password, address="192.0.2.1"):
    return client.post(
        LOGIN_URL,
        {"username": "editor", "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, editor, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with its error
    fifth = sign_in(client, "wrong")
    sixth = sign_in(client, PASSWORD)

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert "Too many failed sign-ins" in page
    assert "even with the right password" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out


def test_the_lock_is_per_user_and_address(client, editor):
    for _ in range(5):
        sign_in(client, "wrong")

    from_elsewhere = sign_in(client, PASSWORD, address="198.51.100.7")

    assert from_elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_a_success_before_the_limit_clears_the_failures(client, editor):
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "wrong")

    assert sign_in(client, PASSWORD).status_code == 302


def test_behind_a_proxy_the_lock_follows_the_address_the_proxy_saw(client, editor, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "config.proxy.client_address"
    proxy = "10.0.0.1"

    def through_proxy(password, client_address):
        return client.post(
            LOGIN_URL,
            {"username": "editor", "password": password, "next": "/admin/"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"203.0.113.9, {client_address}",  # first entry: forged
        )

    for _ in range(5):
        through_proxy("wrong", "192.0.2.1")

    assert through_proxy(PASSWORD, "192.0.2.1").status_code == 429
    assert through_proxy(PASSWORD, "198.51.100.7").status_code == 302
