import pytest


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    """Each test stores attachments in its own empty folder."""
    settings.MEDIA_ROOT = tmp_path / "attachments"
    return settings.MEDIA_ROOT
