"""The app's URLs and a hello-world through the same middleware, the ceiling each endpoint is compared to."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello, name="bench_hello"), path("", include("config.urls"))]
