"""Language and large text: Chinese by default, English on request, and both remembered."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import World, log_in


def test_pages_are_in_simplified_chinese_by_default(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-Hans"' in page
    assert "登录" in page


def test_english_is_one_click_away_and_remembered(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en"' in page
    assert "Log in" in page


def test_large_text_persists_in_a_cookie(client: Client, world: World) -> None:
    log_in(client, world.people["secretary"])
    url = reverse("registry", args=[world.village.code])
    assert 'class="large-text"' not in client.get(url).content.decode()
    response = client.post(reverse("text_size"), {"size": "large", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert response.cookies["jifen_text_size"]["max-age"] == 60 * 60 * 24 * 365
    assert 'class="large-text"' in client.get(url).content.decode()
    client.post(reverse("text_size"), {"size": "normal", "next": url})
    assert 'class="large-text"' not in client.get(url).content.decode()


def test_text_size_never_redirects_to_another_host(client: Client) -> None:
    response = client.post(reverse("text_size"), {"size": "large", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_browser_set_to_english_still_gets_chinese_until_the_switch(client: Client) -> None:
    page = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "登录" in page.content.decode()
    assert page["Content-Language"] == "zh-hans"
