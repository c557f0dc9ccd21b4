"""Who may see the staff pages: logged-in technicians, that is staff users or users with a staff profile."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def is_technician(user) -> bool:
    return user.is_staff or hasattr(user, "staff")


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_technician(request.user):
            return render(request, "web/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
