"""Who may read what."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsSelfOrStaff(BasePermission):
    """The user named by the URL's `user_id`, or staff."""

    message = "You may only read your own profile."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_staff or str(user.pk) == str(view.kwargs.get("user_id"))


class ReadAuthenticatedWriteStaff(BasePermission):
    """Any authenticated user reads; only staff writes."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_staff
