"""`GET /api/dashboard`: the operators' page, static files shipped with the app.

The page holds no data, so it is anonymous; every data call it makes carries the
function key the operator enters (`x-functions-key`). Only the files listed here are
served, with a Content-Security-Policy that allows nothing from elsewhere: no
inline script, no third-party origin, no framing.
"""

from __future__ import annotations

from pathlib import Path

import azure.functions as func

blueprint = func.Blueprint()
FILES_DIR = Path(__file__).resolve().parent.parent / "dashboard"
ASSETS = {
    "": ("index.html", "text/html"),
    "dashboard.js": ("dashboard.js", "text/javascript"),
    "dashboard.css": ("dashboard.css", "text/css"),
}
PAGE_ROUTE = "dashboard"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@blueprint.route(route=PAGE_ROUTE, methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def dashboard_http(req: func.HttpRequest) -> func.HttpResponse:
    """The page."""
    return _serve(req, "")


@blueprint.route(
    route=PAGE_ROUTE + "/{asset}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS
)
def dashboard_file_http(req: func.HttpRequest) -> func.HttpResponse:
    """One of the page's files (or the page itself as index.html); 404 for anything else."""
    return _serve(req, req.route_params.get("asset") or "")


def _serve(req: func.HttpRequest, asset: str) -> func.HttpResponse:
    asset = asset.strip()
    if asset == "index.html":
        asset = ""
    if asset not in ASSETS:
        return func.HttpResponse("not found", status_code=404, mimetype="text/plain")
    name, mimetype = ASSETS[asset]
    text = (FILES_DIR / name).read_text(encoding="utf-8")
    if asset == "":
        text = text.replace("{{PAGE_BASE}}", _page_base(req.url))
    return func.HttpResponse(
        text, mimetype=mimetype, charset="utf-8", headers=dict(SECURITY_HEADERS)
    )


def _page_base(url: str) -> str:
    """The page's own path (`/api/dashboard` under the default route prefix).

    The files and the data routes are addressed from it, so the page works under any
    `routePrefix` and whether or not its URL ends with a slash.
    """
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else "/"
    marker = "/" + PAGE_ROUTE
    end = path.lower().rfind(marker)
    base = path[: end + len(marker)] if end >= 0 else marker
    return _attribute_safe(base)


def _attribute_safe(path: str) -> str:
    """The path as it may appear in an HTML attribute (it comes from the request)."""
    return "".join(c for c in path if c.isalnum() or c in "/-_.~%")
