"""Public pages: anyone may read a published notice and file an objection, without logging in."""

urlpatterns = []
