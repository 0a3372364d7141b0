from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.permissions import organisation_of, roles_of
from accounts.roles import Role


@login_required
def home(request):
    """The landing page of every role: who I am, my inbox, what I can start."""
    roles = [Role(name) for name in roles_of(request.user) if name in Role.values]
    return render(
        request,
        "workflows/home.html",
        {"roles": roles, "organisation": organisation_of(request.user), "tasks": [], "startable": []},
    )
