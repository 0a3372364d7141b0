"""Public pages: anyone may read a published notice and file an objection, without logging in. Mounted at
/notices/ (namespace "public_notices") before the portal shell; no path here may start with "manage/"."""

from django.urls import path

from .views import public

urlpatterns = [
    path("", public.notice_list, name="notice_list"),
    path("<int:pk>/", public.notice_detail, name="notice_detail"),
    path("<int:pk>/pdf/", public.notice_pdf, name="notice_pdf"),
    path("<int:pk>/received/<str:token>/", public.objection_received, name="objection_received"),
]
