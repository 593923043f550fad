"""Login throttling, headers, and the production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World, log_in

ROOT = Path(__file__).resolve().parent.parent


def attempt(client: Client, phone: str, password: str) -> int:
    return client.post(reverse("login"), {"username": phone, "password": password}).status_code


def test_login_with_phone_and_password(client: Client, world: World) -> None:
    secretary = world.people["secretary"]
    assert attempt(client, secretary.phone, "correct horse battery") == 302
    assert client.get(reverse("home")).status_code == 302


def test_five_wrong_passwords_lock_the_phone_number(
    client: Client, world: World, settings: object
) -> None:
    secretary = world.people["secretary"]
    for _ in range(4):
        assert attempt(client, secretary.phone, "wrong") == 200
    # The fifth failure locks; from then on even the right password is refused, with a message
    assert attempt(client, secretary.phone, "wrong") == 429
    response = client.post(
        reverse("login"), {"username": secretary.phone, "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert "15" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another phone number from the same address still logs in
    villager = world.people["villager"]
    assert attempt(Client(), villager.phone, "correct horse battery") == 302


def test_pages_send_a_strict_content_security_policy(client: Client, world: World) -> None:
    log_in(client, world.people["secretary"])
    response = client.get(reverse("registry", args=[world.village.code]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_scripts_or_styles_and_no_other_hosts() -> None:
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"(src|href)=\"(https?:)?//", text), template


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "JIFEN_PRODUCTION": "1",
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "jifen.example.cn",
        "JIFEN_VAR_DIR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("secure", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"])
def test_production_cookies_are_secure(tmp_path: Path, secure: str) -> None:
    env = {
        **os.environ,
        "JIFEN_PRODUCTION": "1",
        "SECRET_KEY": "k" * 60,
        "JIFEN_VAR_DIR": str(tmp_path),
    }
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{secure})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "jifen.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"
