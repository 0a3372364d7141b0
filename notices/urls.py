"""The Department's pages, mounted by the portal shell at /notices/ (config/site.py). Every path starts
with "manage/": /notices/ itself and /notices/<pk>/ are the public pages (urls_public.py), which
config/urls.py lists before the shell."""

from django.urls import path

from .views import manage

urlpatterns = [
    path("manage/", manage.notice_index, name="notice_list"),
    path("manage/<int:pk>/", manage.notice_manage, name="notice_manage"),
    path("manage/<int:pk>/finalise/", manage.notice_finalise, name="notice_finalise"),
    path("manage/objections/<int:pk>/", manage.objection_detail, name="objection_detail"),
    path("manage/objections/<int:pk>/propose/", manage.objection_propose, name="objection_propose"),
    path("manage/objections/<int:pk>/confirm/", manage.objection_confirm, name="objection_confirm"),
    path("manage/objections/<int:pk>/return/", manage.objection_return, name="objection_return"),
    path("manage/holidays/", manage.holiday_list, name="holiday_list"),
    path("manage/holidays/<int:pk>/delete/", manage.holiday_delete, name="holiday_delete"),
]
