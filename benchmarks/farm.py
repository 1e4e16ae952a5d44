"""A local feed farm for benchmarks: many feeds on many loopback ports, with simulated latency.

Each port is a separate "host" for the fetcher's per-host cap. Every feed is a 20-entry Atom
document with a strong ETag; a matching ``If-None-Match`` gets ``304``. With ``--no-etags`` the
farm sends no validator and answers every request with the full document, like the many
servers that do. Latency is applied to every response (after the request is read), like a
distant server.

    python -m benchmarks.farm --hosts 20 --feeds-per-host 10 --latency 0.15   # prints sources YAML
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


def feed_document(
    host: int,
    feed: int,
    entries: int = 20,
    start: datetime | None = None,
    *,
    pages_at: str | None = None,
) -> bytes:
    """A feed of ``entries`` entries, an hour apart. With ``pages_at`` (the farm host's own
    ``http://127.0.0.1:port``) the entries carry no summary and link to item pages the farm
    serves (:func:`item_page`), as a feed of titles and links does."""
    start = start or datetime.now(UTC)
    items = []
    for n in range(entries):
        when = (start - timedelta(hours=n)).isoformat(timespec="seconds")
        link = f"{pages_at or f'https://h{host}.example.org'}/f{feed}/p{n}"
        summary = (
            ""
            if pages_at
            else f'<summary type="html">&lt;p&gt;Summary of report {n}: adult social care, '
            f"children&amp;#39;s services and youth justice findings.&lt;/p&gt;</summary>"
        )
        items.append(
            f"<entry><id>tag:farm,2024:/h{host}/f{feed}/e{n}</id><updated>{when}</updated>"
            f'<link rel="alternate" type="text/html" href="{link}"/>'
            f"<title>Research and analysis: Report {n} on social care, host {host} feed {feed}"
            f"</title>{summary}</entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>tag:farm,2024:/h{host}/f{feed}</id><title>Farm feed {host}/{feed}</title>"
        f"<updated>{start.isoformat(timespec='seconds')}</updated>{''.join(items)}</feed>"
    ).encode()


def item_page(host: int, feed: int, n: int) -> bytes:
    """An item's page, about 40 KB, as a publisher's is: a head with its description (its own,
    not the site's) and a body of navigation and text."""
    description = (
        f"Findings of report {n} from host {host}, feed {feed}: what councils, providers and "
        "commissioners found about adult social care and children's services."
    )
    body = "<p>Navigation, cookie banner and the report's own text.</p>" * 700
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>Report {n}</title>'
        f'<meta name="description" content="{description}"></head><body>{body}</body></html>'
    ).encode()


_PAGE = re.compile(r"/f(\d+)/p(\d+)")


@dataclass
class Farm:
    hosts: int = 20
    feeds_per_host: int = 10
    latency: float = 0.15
    etags: bool = True  # False: no validators, every request a full 200 (servers that send none)
    #: False: entries without summaries, linking to item pages the farm serves
    summaries: bool = True
    ports: list[int] = field(default_factory=list)
    requests: int = 0
    not_modified: int = 0
    _docs: dict[tuple[int, int], tuple[bytes, str]] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        if self.summaries:
            self._build_documents()

    def _build_documents(self) -> None:
        start = datetime.now(UTC)
        for h in range(self.hosts):
            for f in range(self.feeds_per_host):
                at = None if self.summaries else f"http://127.0.0.1:{self.ports[h]}"
                body = feed_document(h, f, start=start, pages_at=at)
                self._docs[(h, f)] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')

    async def _serve(
        self, host: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.lower(): v.strip()
                    for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
                }
                self.requests += 1
                await asyncio.sleep(self.latency)
                page = _PAGE.fullmatch(path)
                if page is not None:
                    html = item_page(host, int(page[1]), int(page[2]))
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                        + f"Content-Length: {len(html)}\r\n\r\n".encode()
                        + html
                    )
                    await writer.drain()
                    continue
                try:
                    feed = int(path.strip("/").split(".")[0][1:])
                    body, etag = self._docs[(host, feed)]
                except (ValueError, KeyError):
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                if self.etags and headers.get("if-none-match") == etag:
                    self.not_modified += 1
                    writer.write(
                        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n"
                        + f"ETag: {etag}\r\n\r\n".encode()
                    )
                else:
                    validator = f"ETag: {etag}\r\n" if self.etags else ""
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\n{validator}"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _main(self) -> None:
        servers = []
        for h in range(self.hosts):
            server = await asyncio.start_server(
                functools.partial(self._serve, h), "127.0.0.1", 0, backlog=512
            )
            self.ports.append(server.sockets[0].getsockname()[1])
            servers.append(server)
        if not self.summaries:  # the documents link to the item pages on these ports
            self._build_documents()
        self._ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    def start_in_thread(self) -> Farm:
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            with contextlib.suppress(asyncio.CancelledError):
                self._loop.run_until_complete(self._main())

        threading.Thread(target=run, daemon=True).start()
        self._ready.wait(10)
        return self

    def sources(self) -> list[dict[str, object]]:
        return [
            {
                "id": f"h{h}-f{f}",
                "publisher": f"Farm publisher {h}",
                "kind": "feed",
                "url": f"http://127.0.0.1:{port}/f{f}.atom",
                "every": "1h",
            }
            for h, port in enumerate(self.ports)
            for f in range(self.feeds_per_host)
        ]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--feeds-per-host", type=int, default=10)
    ap.add_argument("--latency", type=float, default=0.15)
    ap.add_argument("--no-etags", action="store_true", help="send no ETag, never answer 304")
    ap.add_argument(
        "--no-summaries",
        action="store_true",
        help="entries without summaries, linking to item pages the farm serves",
    )
    ap.add_argument("--out", help="write the sources file here (default: stdout)")
    args = ap.parse_args()
    farm = Farm(
        args.hosts,
        args.feeds_per_host,
        args.latency,
        etags=not args.no_etags,
        summaries=not args.no_summaries,
    ).start_in_thread()
    text = json.dumps({"sources": farm.sources()}, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print("ready", flush=True)
    else:
        print(text, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
