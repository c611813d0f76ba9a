"""
Tokens die with the credentials they were issued for.

DRF tokens never expire, so a token taken before a password change (a stolen laptop, a leaked
script) would outlive the change. A user's tokens are deleted when the password changes (any way:
admin, `changepassword`, `set_password` + `save`) and when the user is deactivated; they log in again.
Expiry and rotation belong to the authentication choice of the performance issue, not here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

_REVOKE = "_logdash_revoke_tokens"


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="logdash.tokens_note_credentials")
def note_credential_change(sender: type, instance: Any, raw: bool = False, update_fields: Any = None,
                           **kwargs: Any) -> None:
    """Compare with the stored row: a new password hash or a deactivation revokes the tokens after saving.

    A save of other fields only (`last_login` on every login) costs no query.
    """
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    changed_password = stored["password"] != instance.password
    deactivated = stored["is_active"] and not instance.is_active
    setattr(instance, _REVOKE, changed_password or deactivated)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="logdash.tokens_revoke")
def revoke_tokens(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if getattr(instance, _REVOKE, False):
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=instance).delete()
        setattr(instance, _REVOKE, False)


@receiver(post_delete, sender="authtoken.Token", dispatch_uid="logdash.tokens_announce_revocation")
def announce_token_revocation(sender: type, instance: Any, **kwargs: Any) -> None:
    """Every process's token table forgets a deleted token (`logdash.authentication`)."""
    from logdash.authentication import publish_revocation

    publish_revocation(f"token:{instance.key}")


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="logdash.tokens_announce_user_change")
def announce_user_change(sender: type, instance: Any, created: bool = False, update_fields: Any = None,
                         **kwargs: Any) -> None:
    """A changed user (staff flag, name) is read afresh by every process on its next request.

    A login stamping `last_login` alone changes nothing a request is allowed to do: no message.
    """
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if not created:
        from logdash.authentication import publish_revocation

        publish_revocation(f"user:{instance.pk}")
