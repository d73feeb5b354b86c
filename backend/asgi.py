import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from backend.pages.cache import PageCache  # noqa: E402
from realtime.routing import websocket_application  # noqa: E402
from realtime.runtime import (  # noqa: E402
    defer_autobahn_debug_formatting,
    load_what_django_loads_on_first_use,
    skip_collection_at_exit,
    tune_garbage_collector,
    write_through_twisted,
)

application = ProtocolTypeRouter(
    {"http": PageCache(django_asgi_app), "websocket": websocket_application()}
)
defer_autobahn_debug_formatting()
write_through_twisted()
load_what_django_loads_on_first_use()
tune_garbage_collector()
skip_collection_at_exit()
