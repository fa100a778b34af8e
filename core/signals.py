"""Sign-ins, failed sign-ins and lockouts into the audit trail.

Django and django-axes announce these only through signals, so this is where they are heard; nothing
else depends on these receivers.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from core.choices import AuditAction
from core.services import audit_record

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="core.audit.login")
def audit_login(sender, request, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    audit_record(action=AuditAction.LOGIN, actor=user)


@receiver(user_login_failed, dispatch_uid="core.audit.login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
    # Credentials arrive cleansed (the password masked); only the name that was typed is kept.
    audit_record(action=AuditAction.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out, dispatch_uid="core.audit.locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs) -> None:  # type: ignore[no-untyped-def]
    audit_record(action=AuditAction.LOCKED_OUT, username=str(username or "")[:150], details={"ip_address": ip_address})
