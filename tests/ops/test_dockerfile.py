"""The production image is French-capable: its build compiles the catalogue (the .mo is never committed)."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def stages() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    return ["FROM" + part for part in text.split("\nFROM")[1:]]


def test_a_build_stage_compiles_the_catalogue_with_gettext():
    build = stages()[0]
    assert build.startswith("FROM python:3.11-slim AS messages")
    assert "apt-get install -y --no-install-recommends gettext" in build
    assert "manage.py compilemessages" in build and "test -s locale/fr/LC_MESSAGES/django.mo" in build


def test_the_runtime_image_takes_the_compiled_catalogue_after_the_sources():
    runtime = stages()[-1]
    copy_sources = runtime.index("COPY . .")
    copy_catalogue = runtime.index("COPY --from=messages /app/locale /app/locale")
    assert copy_sources < copy_catalogue < runtime.index("USER app")


def test_a_local_mo_never_reaches_the_build_context():
    assert "**/*.mo" in (ROOT / ".dockerignore").read_text().splitlines()


def test_compose_builds_the_image_from_this_dockerfile():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "build: ." in compose
