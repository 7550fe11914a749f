import json
from typing import Any

from django.http import HttpResponseBase
from django.test import Client

API = "/api/v1/open-data"


def body(response: HttpResponseBase) -> str:
    """The text of a response, streamed or not; JSON re-dumped so Cyrillic is not \\u-escaped."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    text = raw.decode("utf-8")
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


def get_json(client: Client, url: str, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code, body(response))
    return json.loads(body(response))


def in_city(client: Client, code: str = "oskemen") -> Client:
    """The portal's location cookie, as the header's location selector sets it."""
    client.cookies["kezek_locality"] = code
    return client
