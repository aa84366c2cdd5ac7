"""Staff pages for portfolios (being written)."""

from django.http import Http404, HttpResponse

from accounts.http import AuthedRequest


def _todo(request: AuthedRequest, **kwargs: object) -> HttpResponse:
    raise Http404


certification_queue = certify = return_view = consultation_list = class_progress = _todo
windows = proxies = _todo
