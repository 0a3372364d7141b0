from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

from .site import site

handler500 = "config.middleware.server_error"  # a database error outside a view gets the Chinese 503 page

urlpatterns = [
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", account_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/", include("documents.urls")),
    path("notices/", include(("notices.urls_public", "public_notices"))),
    path("django-admin/", admin.site.urls),
    path("", site.urls),
]
