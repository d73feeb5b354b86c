"""Browsing as a person would: a signed-in test client that posts forms with their CSRF token."""

from django.test import Client

from tests.factories import PASSWORD


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=PASSWORD)
    client.get("/")  # sets the CSRF cookie
    return client


def post(client: Client, url: str, data: dict):
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
