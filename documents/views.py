from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.views.decorators.http import require_GET

from .permissions import get_document_for_user_or_404


@login_required
@require_GET
def download(request, pk: int):
    document = get_document_for_user_or_404(request.user, pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(document.original_name)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
