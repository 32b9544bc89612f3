"""Reading a catalogue feed's bytes: over HTTP(S) with a timeout and a size cap, or from a
``file://`` URL or a local path (air-gapped sites mirror feeds to disk)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import httpx

from yingji.errors import ValidationFailed, YingjiError

MAX_FEED_BYTES = 64 * 1024 * 1024
"""A month of global QuakeML is tens of MB; anything larger is not a feed we should hold."""
_USER_AGENT = "Yingji quake-feed/0.1"


class FeedUnavailable(YingjiError):
    """The feed could not be read (HTTP error, timeout, missing file): a fault upstream, so
    the caller should retry later rather than treat the content as bad."""

    status = 502
    code = "feed_unavailable"


def fetch(url: str, timeout: float = 10.0, client: httpx.Client | None = None) -> bytes:
    """Read a feed from ``http(s)://``, ``file://`` or a plain local path (air-gapped sites
    mirror feeds to disk). Raises FeedUnavailable when it cannot be read.

    Local paths are read as given, so ``url`` must come from administrators' settings, never
    from end users.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return _fetch_http(url, timeout, client)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise FeedUnavailable(
                f"不支持远程 file:// 地址 / remote file:// URLs are not supported: {url}"
            )
        return _read_file(Path(url2pathname(unquote(parts.path))))
    if scheme == "" or len(scheme) == 1:  # no scheme, or a Windows drive letter
        return _read_file(Path(url))
    raise ValidationFailed(
        f"不支持的地址类型 / unsupported URL scheme: {scheme}",
        [{"row": None, "field": "url", "reason": f"scheme {scheme!r} not supported"}],
    )


def _fetch_http(url: str, timeout: float, client: httpx.Client | None) -> bytes:
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        with http.stream("GET", url, headers={"User-Agent": _USER_AGENT}) as reply:
            if reply.status_code >= 400:
                raise FeedUnavailable(
                    f"获取地震目录失败：HTTP {reply.status_code} / "
                    f"feed request failed: HTTP {reply.status_code} {reply.reason_phrase}",
                    {"url": url, "status": reply.status_code},
                )
            body = bytearray()
            for chunk in reply.iter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedUnavailable(
                        f"地震目录过大 / feed larger than {MAX_FEED_BYTES} bytes", {"url": url}
                    )
            return bytes(body)
    except httpx.TimeoutException as exc:
        raise FeedUnavailable(
            f"获取地震目录超时（{timeout:g} 秒）/ feed request timed out after {timeout:g} s",
            {"url": url},
        ) from exc
    except httpx.HTTPError as exc:
        raise FeedUnavailable(f"无法连接地震目录 / cannot reach feed: {exc}", {"url": url}) from exc
    finally:
        if own:
            http.close()


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FEED_BYTES:
            raise FeedUnavailable(
                f"地震目录文件过大 / feed file larger than {MAX_FEED_BYTES} bytes: {path}"
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise FeedUnavailable(f"地震目录文件不存在 / feed file not found: {path}") from exc
    except OSError as exc:
        raise FeedUnavailable(f"无法读取地震目录文件 / cannot read feed file: {exc}") from exc
